import {
  addDevice,
  agentStatus,
  checkManualDevice,
  type PairPeersResult,
  pairPeers,
  pruneUntrusted,
} from '@mesh/core';
import { confirm } from '../confirm.js';
import { context } from '../context.js';
import type { Output } from '../output/output.js';
import { agent } from './agent.js';

export interface PeerArgs {
  json: boolean;
  deviceId?: string | undefined;
  address?: string | undefined;
  name?: string | undefined;
  watch?: boolean | undefined;
  prune?: boolean | undefined;
  yes?: boolean | undefined;
}

export function printPeerResult(r: PairPeersResult, out: Output): void {
  out.section('Syncthing Peers');
  out.fields([
    ['Your Device ID', r.deviceId],
    ['Tailnet peers', r.peers],
    ['Added', r.added.length],
    ['Updated', r.updated.length],
    ['Folder shared with', sharedWith(r)],
    ['Refused', r.refused.length],
    ['Not vouched for yet', r.unvouched.length],
    ['Waiting to connect', r.passive.length],
  ]);
}

/** The devices that have the folder, by name; none yet is normal before a second node joins. */
function sharedWith(r: PairPeersResult): string {
  if (r.sharedWith.length === 0)
    return 'no other device yet (the mesh agent pairs each node as it joins)';
  return r.sharedWith.map((d) => d.name || `${d.deviceId.slice(0, 7)}...`).join(', ');
}

export async function peer(a: PeerArgs, out: Output): Promise<number> {
  if (a.deviceId !== undefined) return manual(a, out);
  const ctx = await context(out);
  if (a.watch) return watch(ctx, out);
  if (a.prune) {
    out.section('Mesh Peer (prune)');
    const r = await pruneUntrusted(ctx);
    if (!r.changed) out.ok('nothing to change');
    out.result({ ok: true, ...r });
    return 0;
  }
  out.section('Mesh Peer');
  const r = await pairPeers(ctx);
  printPeerResult(r, out);
  if (!r.changed) out.ok('nothing to change');
  out.result({ ok: true, ...r });
  return 0;
}

/**
 * `mesh peer --device-id ID`: trusting a device no mesh agent vouches for is a person's act,
 * so it is confirmed on a terminal or with `--yes`; the input is checked before the question.
 */
async function manual(a: PeerArgs, out: Output): Promise<number> {
  const wanted = {
    deviceId: a.deviceId ?? '',
    ...(a.address ? { address: a.address } : {}),
    ...(a.name ? { name: a.name } : {}),
  };
  const id = checkManualDevice(wanted);
  const ctx = await context(out);
  out.warn(
    `Manual pairing: ${id.slice(0, 7)}... gets the shared folder although no mesh node vouches for it`,
  );
  const confirmed = a.yes === true || (await confirm('Trust this device with the shared folder?'));
  const r = await addDevice(ctx, { ...wanted, confirmed });
  if (r.changed)
    out.ok(`Added ${r.name} (${r.deviceId.slice(0, 7)}...) and shared opt-shared with it`);
  else out.ok(`${r.name} is already a peer: nothing to change`);
  if (!r.address)
    out.warn('No --address: discovery is off, so only the peer can connect to this machine');
  out.section('Next Steps');
  out.info(
    'The peer must add this device too (mesh peer --device-id on the peer), Folder ID: opt-shared',
  );
  out.result({ ok: true, manual: true, ...r });
  return 0;
}

/**
 * `mesh peer --watch` is the mesh agent in the foreground (`mesh agent run`): pairing needs the
 * vouching only the agent does. Where the agent service already runs, it says so and ends.
 */
async function watch(ctx: Awaited<ReturnType<typeof context>>, out: Output): Promise<number> {
  if ((await agentStatus(ctx)).running) {
    out.ok(
      'The mesh agent already pairs new nodes on this machine as they join (mesh agent status)',
    );
    out.result({ ok: true, agent: 'running' });
    return 0;
  }
  out.info(
    'No mesh agent runs here: running it in the foreground (mesh agent run); stop with Ctrl-C',
  );
  return agent({ json: out.json }, out);
}
