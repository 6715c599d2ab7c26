import type { PingResult, TailnetStatus } from '@mesh/tailscale';
import { toMeshError } from '../../map-error.js';
import type { PeerReach } from '../reach.js';
import type { NodeStanding } from '../standing.js';
import type { PeerReport, StatusCheck } from './types.js';

/** This node's tailnet IPv4 address, as peers and people use it. */
export const ipv4Of = (ips: readonly string[]): string | undefined =>
  ips.find((i) => i.includes('.'));

/** tailscaled does not answer on its socket: started again alone once joined, else set up. */
export function tailscaledDownCheck(
  socketPath: string,
  joined: boolean,
  setupCommand: string,
  error?: unknown,
): StatusCheck {
  // Only a daemon that is not there is "not running"; one that refused, stalled or answered
  // something else says what happened.
  if (error !== undefined && (error as Error).name !== 'TailscaleDaemonUnreachableError') {
    const e = toMeshError(error);
    return {
      section: 'tailscale',
      name: 'daemon',
      level: 'fail',
      message: `tailscaled is on ${socketPath}, but its status could not be read: ${e.message}`,
      fix: e.hint,
    };
  }
  return {
    section: 'tailscale',
    name: 'daemon',
    level: 'fail',
    message: `tailscaled is not running (${socketPath})`,
    fix: joined ? 'mesh doctor --fix starts it (no key needed)' : setupCommand,
  };
}

/** This node's standing as a check: connected, or why not (stopped, key expired, needs login). */
export function standingCheck(standing: NodeStanding, ip: string | undefined): StatusCheck {
  if (!standing.ok) {
    return {
      section: 'tailscale',
      name: standing.state === 'Stopped' ? 'stopped' : 'connected',
      level: 'fail',
      message: standing.message,
      fix: standing.fix,
    };
  }
  return {
    section: 'tailscale',
    name: 'connected',
    level: 'ok',
    message: `Tailscale is connected, IP: ${ip ?? '?'}`,
  };
}

/** The peers as status reports them, before any latency is measured. */
export function peerReports(ts: TailnetStatus): PeerReport[] {
  return ts.peers.map((p) => ({
    hostname: p.hostname,
    ip: ipv4Of(p.ips),
    online: p.online,
    path: p.path,
  }));
}

/** A disco ping's round trip in ms (one decimal), when the peer answered. */
export function latencyMsOf(pong: PingResult): number | undefined {
  const latency = pong.LatencySeconds;
  return latency === undefined ? undefined : Math.round(latency * 10_000) / 10;
}

/**
 * Why latency could not be measured, when that says something. A peer that does not answer in
 * time is shown without latency (online/offline is the health signal); a ping tailscaled refused
 * (no permission, an answer of the wrong shape, the daemon gone) is named.
 */
export function pingFailureCheck(error: unknown): StatusCheck | undefined {
  // By name, not instanceof: the CLI bundle may hold another copy of the library.
  if (error instanceof Error && error.name === 'TailscaleTimeoutError') return undefined;
  const e = toMeshError(error);
  return {
    section: 'tailscale',
    name: 'latency',
    level: 'warn',
    message: `Peer latency could not be measured: ${e.message}`,
    fix: e.hint,
  };
}

/** Peers the control server calls online, and none answers over the tailnet. */
export function reachCheck(reach: PeerReach): StatusCheck | undefined {
  if (reach.asked === 0 || reach.answered) return undefined;
  return {
    section: 'tailscale',
    name: 'reach',
    level: 'fail',
    message: `This node reaches none of its ${reach.asked} online peer(s) over the tailnet: its network is cut, or the control server removed this node`,
    fix: "check this machine's network; if the server no longer lists this node, join again: mesh server keygen on the server, then mesh client join --key-file FILE",
  };
}

/** Peers the control server does not see. */
export function offlinePeersCheck(peers: readonly PeerReport[]): StatusCheck | undefined {
  const offline = peers.filter((p) => !p.online);
  if (offline.length === 0) return undefined;
  return {
    section: 'tailscale',
    name: 'peers',
    level: 'warn',
    message: `${offline.length} peer(s) offline: ${offline.map((p) => p.hostname).join(', ')}`,
  };
}
