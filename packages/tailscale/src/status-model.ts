import { TailscaleError } from './errors.js';
import { deadline } from './internal/signals.js';
import type { LocalApiClient } from './local-api.js';
import { type BackendState, backendStateName, NotifyWatchOpt } from './schemas/notify.js';
import type { PeerStatus, Status } from './schemas/status.js';

/** How traffic reaches a peer right now. */
export type PeerPath = 'direct' | 'relay' | 'none';

/** One node in a {@link TailnetStatus}, flattened from `ipnstate.PeerStatus`. */
export interface NodeInfo {
  /** Stable node ID. */
  id: string;
  hostname: string;
  /** MagicDNS name without the trailing dot, e.g. `wsl.mesh.internal`. */
  dnsName: string;
  /** Tailnet IPs (IPv4 first as tailscaled orders them). */
  ips: string[];
  /** {@link isPeerOnline} (not proof that the path works). */
  online: boolean;
  /** `direct` when `CurAddr` is set, `relay` when only a DERP region is in use. */
  path: PeerPath;
  /** `ip:port` of the direct path, if any. */
  currentAddress: string | null;
  /** DERP region code, if any. */
  relay: string | null;
  /** Last WireGuard handshake, null before the first one. */
  lastHandshake: Date | null;
  os: string;
  /** The raw record, for fields this model leaves out. */
  raw: PeerStatus;
}

/** A readable snapshot of `GET status`. */
export interface TailnetStatus {
  backendState: string;
  /** This node's tailnet IPs. */
  ips: string[];
  self: NodeInfo | null;
  peers: NodeInfo[];
  /** Health warnings as tailscaled words them (`Health[]`). */
  health: string[];
  magicDnsSuffix: string;
  version: string;
  raw: Status;
}

/** Go's zero time, which tailscaled sends for "never". */
const ZERO_TIME = /^0001-01-01/;

function toDate(s: string | undefined): Date | null {
  if (!s || ZERO_TIME.test(s)) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Whether a peer can be reached through the tailnet now, as far as the map says: connected to
 * the control server with a node key that has not expired. A node that logged out stays listed
 * online for some seconds with its key expired, and tailscaled sends nothing to such a peer.
 */
export function isPeerOnline(p: PeerStatus): boolean {
  return (p.Online ?? false) && !p.Expired;
}

/** Flattens one `PeerStatus`. */
export function toNodeInfo(p: PeerStatus): NodeInfo {
  const curAddr = p.CurAddr ?? '';
  const relay = p.Relay ?? '';
  return {
    id: p.ID ?? '',
    hostname: p.HostName ?? '',
    dnsName: (p.DNSName ?? '').replace(/\.$/, ''),
    ips: [...(p.TailscaleIPs ?? [])],
    online: isPeerOnline(p),
    path: curAddr ? 'direct' : relay ? 'relay' : 'none',
    currentAddress: curAddr || null,
    relay: relay || null,
    lastHandshake: toDate(p.LastHandshake),
    os: p.OS ?? '',
    raw: p,
  };
}

// Plain code-unit order, not localeCompare: the same order under every locale, and the
// long-running agent does not pull ICU's collation tables into memory for it.
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Turns a raw `ipnstate.Status` into a {@link TailnetStatus}. */
export function toTailnetStatus(s: Status): TailnetStatus {
  return {
    backendState: s.BackendState,
    ips: [...(s.TailscaleIPs ?? [])],
    self: s.Self ? toNodeInfo(s.Self) : null,
    peers: Object.values(s.Peer ?? {})
      .map(toNodeInfo)
      .sort((a, b) => byCodeUnits(a.hostname, b.hostname)),
    health: [...(s.Health ?? [])],
    magicDnsSuffix: s.MagicDNSSuffix ?? '',
    version: s.Version ?? '',
    raw: s,
  };
}

/**
 * Finds a peer by tailnet IP, hostname, MagicDNS name (with or without the suffix) or stable
 * ID, case-insensitively. Returns undefined when none matches.
 */
export function findPeer(status: TailnetStatus, nameOrIp: string): NodeInfo | undefined {
  const q = nameOrIp.toLowerCase().replace(/\.$/, '');
  return (
    status.peers.find((p) => p.ips.includes(q)) ??
    status.peers.find((p) => p.id === nameOrIp) ??
    status.peers.find((p) => p.dnsName.toLowerCase() === q) ??
    status.peers.find((p) => p.dnsName.toLowerCase().split('.')[0] === q) ??
    status.peers.find((p) => p.hostname.toLowerCase() === q)
  );
}

/** Options of {@link waitForState}. */
export interface WaitForOptions {
  /** Milliseconds to wait. @default 30000 */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Resolves when the backend reaches `state` (watching the IPN bus, which reports the current
 * state first), or throws `TailscaleTimeoutError` / `TailscaleAbortError`.
 */
export async function waitForState(
  client: LocalApiClient,
  state: BackendState,
  options: WaitForOptions = {},
): Promise<void> {
  const d = deadline(options.timeout ?? 30_000, options.signal);
  let last = 'unknown';
  for await (const n of client.watchIpnBus({
    mask: NotifyWatchOpt.InitialState,
    signal: d.signal,
  })) {
    if (n.State == null) continue;
    last = backendStateName(n.State);
    if (last === state) return;
  }
  const err = d.reason(`waiting for state ${state} (last seen: ${last})`);
  throw err ?? new TailscaleError(`IPN bus closed while waiting for state ${state}`);
}
