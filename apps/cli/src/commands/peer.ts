import { addDevice, type PairPeersResult, pairPeers } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface PeerArgs {
  json: boolean;
  deviceId?: string | undefined;
  address?: string | undefined;
  name?: string | undefined;
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
  out.section('Mesh Peer');
  const r = await pairPeers(ctx);
  printPeerResult(r, out);
  if (!r.changed) out.ok('nothing to change');
  out.result({ ok: true, ...r });
  return 0;
}
