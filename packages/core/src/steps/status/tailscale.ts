import { LocalApiClient } from '@mesh/tailscale';
import type { MeshContext } from '../../context.js';
import { reachPeers } from '../reach.js';
import { joinedBefore } from '../repair.js';
import { nodeStanding } from '../standing.js';
import { tailnetStatus } from '../tailscale.js';
import type { MeshStatus, MeshStatusOptions, PeerReport, StatusCheck } from './types.js';

/** This node in the tailnet: tailscaled, its standing, whether any peer answers. */
export async function tailscaleSection(
  ctx: MeshContext,
  o: MeshStatusOptions,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; tailscale: MeshStatus['tailscale'] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  const ts = await tailnetStatus(ctx);
  const tailscale: MeshStatus['tailscale'] = {
    running: ts !== undefined,
    backendState: ts?.backendState,
    ip: ts?.ips.find((i) => i.includes('.')),
    peers: [],
  };
  const standing = nodeStanding(ts);
  if (!ts) {
    const joined = await joinedBefore(ctx);
    add({
      section: 'tailscale',
      name: 'daemon',
      level: 'fail',
      message: `tailscaled is not running (${ctx.paths.tailscale.socketPath})`,
      fix: joined ? 'mesh doctor --fix starts it (no key needed)' : setupCommand,
    });
  } else if (!standing.ok) {
    add({
      section: 'tailscale',
      name: standing.state === 'Stopped' ? 'stopped' : 'connected',
      level: 'fail',
      message: standing.message,
      fix: standing.fix,
    });
  } else {
    add({
      section: 'tailscale',
      name: 'connected',
      level: 'ok',
      message: `Tailscale is connected, IP: ${tailscale.ip ?? '?'}`,
    });
    const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
    try {
      for (const p of ts.peers) {
        const ip = p.ips.find((i) => i.includes('.'));
        const report: PeerReport = { hostname: p.hostname, ip, online: p.online, path: p.path };
        if (o.verbose && p.online && ip) {
          try {
            const pong = await api.ping(ip, { type: 'disco', timeout: 3000 });
            const latency = (pong as { LatencySeconds?: number }).LatencySeconds;
            if (latency !== undefined) report.latencyMs = Math.round(latency * 10_000) / 10;
          } catch {
            // A failed ping is shown as no latency; online/offline is the health signal.
          }
        }
        tailscale.peers.push(report);
      }
    } finally {
      await api.close();
    }
    const reach = await reachPeers(ctx, ts);
    if (reach.asked > 0 && !reach.answered) {
      add({
        section: 'tailscale',
        name: 'reach',
        level: 'fail',
        message: `This node reaches none of its ${reach.asked} online peer(s) over the tailnet: its network is cut, or the control server removed this node`,
        fix: "check this machine's network; if the server no longer lists this node, join again: mesh server keygen on the server, then mesh client join --key-file FILE",
      });
    }
    const offline = tailscale.peers.filter((p) => !p.online);
    if (offline.length > 0) {
      add({
        section: 'tailscale',
        name: 'peers',
        level: 'warn',
        message: `${offline.length} peer(s) offline: ${offline.map((p) => p.hostname).join(', ')}`,
      });
    }
  }
  return { checks, tailscale };
}
