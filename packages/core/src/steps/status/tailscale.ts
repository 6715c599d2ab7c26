import { LocalApiClient } from '@mesh/tailscale';
import type { MeshContext } from '../../context.js';
import { reachPeers } from '../reach.js';
import { joinedBefore } from '../repair.js';
import { nodeStanding } from '../standing.js';
import { readTailnetStatus } from '../tailscale.js';
import {
  ipv4Of,
  latencyMsOf,
  offlinePeersCheck,
  peerReports,
  pingFailureCheck,
  reachCheck,
  standingCheck,
  tailscaledDownCheck,
} from './tailscale-checks.js';
import type { MeshStatus, MeshStatusOptions, StatusCheck } from './types.js';

/** This node in the tailnet: tailscaled, its standing, whether any peer answers. */
export async function tailscaleSection(
  ctx: MeshContext,
  o: MeshStatusOptions,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; tailscale: MeshStatus['tailscale'] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck | undefined) => {
    if (c) checks.push(c);
  };
  const { status: ts, error } = await readTailnetStatus(ctx);
  const tailscale: MeshStatus['tailscale'] = {
    running: ts !== undefined,
    backendState: ts?.backendState,
    ip: ts && ipv4Of(ts.ips),
    peers: [],
  };
  const socketPath = ctx.paths.tailscale.socketPath;
  if (!ts) {
    add(tailscaledDownCheck(socketPath, await joinedBefore(ctx), setupCommand, error));
    return { checks, tailscale };
  }
  const standing = nodeStanding(ts);
  add(standingCheck(standing, tailscale.ip));
  if (!standing.ok) return { checks, tailscale };

  tailscale.peers = peerReports(ts);
  if (o.verbose) {
    const api = new LocalApiClient({ socketPath });
    let pingFailure: StatusCheck | undefined;
    try {
      for (const report of tailscale.peers) {
        if (!report.online || !report.ip) continue;
        try {
          const latencyMs = latencyMsOf(
            await api.ping(report.ip, { type: 'disco', timeout: 3000 }),
          );
          if (latencyMs !== undefined) report.latencyMs = latencyMs;
        } catch (error) {
          // One line for the section: the same refusal would repeat for every peer.
          pingFailure ??= pingFailureCheck(error);
        }
      }
    } finally {
      await api.close();
    }
    add(pingFailure);
  }
  add(reachCheck(await reachPeers(ctx, ts)));
  add(offlinePeersCheck(tailscale.peers));
  return { checks, tailscale };
}
