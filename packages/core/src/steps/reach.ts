import { LocalApiClient, type TailnetStatus } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';

/** What {@link reachPeers} found: how many online peers it asked, and whether any answered. */
export interface PeerReach {
  asked: number;
  answered: boolean;
}

/**
 * Whether any peer the control server calls online answers a disco ping over the tailnet. A
 * node whose own link is cut, or that the control server removed, still reads "Running" with
 * its peers online for minutes: only an answer tells. Stops at the first answer; `asked` is 0
 * when no peer is online (nothing to conclude).
 */
export async function reachPeers(
  ctx: MeshContext,
  ts: TailnetStatus,
  o: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PeerReach> {
  const targets = ts.peers
    .filter((p) => p.online)
    .map((p) => p.ips.find((i) => i.includes('.')))
    .filter((ip): ip is string => ip !== undefined);
  if (targets.length === 0) return { asked: 0, answered: false };
  const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  try {
    const answered = await Promise.any(
      targets.map(async (ip) => {
        const pong = await api.ping(ip, { type: 'disco', timeout: o.timeoutMs ?? 2500, signal });
        if (pong.Err) throw new Error(pong.Err);
        return true;
      }),
    ).catch(() => false);
    return { asked: targets.length, answered };
  } finally {
    stop.abort();
    await api.close();
  }
}
