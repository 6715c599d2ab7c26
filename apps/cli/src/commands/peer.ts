import { addDevice, type PairPeersResult, pairPeers, watchPeers } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface PeerArgs {
  json: boolean;
  deviceId?: string | undefined;
  address?: string | undefined;
  name?: string | undefined;
  watch?: boolean | undefined;
}

export function printPeerResult(r: PairPeersResult, out: Output): void {
  out.section('Syncthing Peers');
  out.fields([
    ['Your Device ID', r.deviceId],
    ['Tailnet peers', r.peers],
    ['Added', r.added.length],
    ['Updated', r.updated.length],
    ['Folder shared with', r.shared.length],
    ['Refused', r.refused.length],
  ]);
}

export async function peer(a: PeerArgs, out: Output): Promise<number> {
  const ctx = await context(out);
  if (a.deviceId !== undefined) {
    const r = await addDevice(ctx, {
      deviceId: a.deviceId,
      ...(a.address ? { address: a.address } : {}),
      ...(a.name ? { name: a.name } : {}),
    });
    if (r.changed)
      out.ok(`Added ${r.name} (${r.deviceId.slice(0, 7)}...) and shared opt-shared with it`);
    else out.ok(`${r.name} is already a peer: nothing to change`);
    if (!r.address)
      out.warn('No --address: discovery is off, so only the peer can connect to this machine');
    out.section('Next Steps');
    out.info(
      'The peer must add this device too (mesh peer --device-id on the peer), Folder ID: opt-shared',
    );
    out.result({ ok: true, ...r });
    return 0;
  }
  if (a.watch) return watch(ctx, out);
  out.section('Mesh Peer');
  const r = await pairPeers(ctx);
  printPeerResult(r, out);
  if (!r.changed) out.ok('nothing to change');
  out.result({ ok: true, ...r });
  return 0;
}

/**
 * `mesh peer --watch`: pair now, then keep accepting mesh nodes as they appear (until SIGINT or
 * SIGTERM). Each run that changed something prints what; `--json` prints one line per run.
 */
async function watch(ctx: Awaited<ReturnType<typeof context>>, out: Output): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  out.section('Mesh Peer (watching)');
  out.info('Accepting new mesh nodes as they appear; stop with Ctrl-C');
  try {
    const { runs } = await watchPeers(ctx, {
      signal: stop.signal,
      onPair: (r) => {
        if (r.changed) printPeerResult(r, out);
        // A watch never ends with one document: --json prints one compact line per run.
        if (out.json) process.stdout.write(`${JSON.stringify({ ok: true, ...r })}\n`);
      },
      onError: (error) => out.warnErr(error instanceof Error ? error.message : String(error)),
    });
    out.ok(`Stopped watching after ${runs} pairing run(s)`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
