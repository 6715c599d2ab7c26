import { LocalApiClient, pingAny, type TailnetStatus } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';

/** What {@link reachPeers} found: how many peers were online to ask, and whether any answered. */
export interface PeerReach {
  asked: number;
  answered: boolean;
}

/**
 * Whether any peer the control server calls online answers a disco ping over the tailnet. A
 * node whose own link is cut, or that the control server removed, still reads "Running" with
 * its peers online for minutes: only an answer tells. The peer with the latest WireGuard
 * handshake is asked first and alone for a moment ({@link pingAny}): the agent asks every
 * 15 s, and one ping then does where one per peer went out. `asked` is the number of online
 * peers, 0 when there is none (nothing to conclude).
 */
export async function reachPeers(
  ctx: MeshContext,
  ts: TailnetStatus,
  o: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PeerReach> {
  const targets = ts.peers
    .filter((p) => p.online)
    .sort((a, b) => (b.lastHandshake?.getTime() ?? 0) - (a.lastHandshake?.getTime() ?? 0))
    .map((p) => p.ips.find((i) => i.includes('.')))
    .filter((ip): ip is string => ip !== undefined);
  if (targets.length === 0) return { asked: 0, answered: false };
  const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  try {
    const pong = await pingAny(api, targets, o);
    return { asked: targets.length, answered: pong !== undefined };
  } finally {
    await api.close();
  }
}
