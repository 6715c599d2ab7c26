import { setTimeout as sleep } from 'node:timers/promises';
import { isPeerOnline, LocalApiClient, pingUntilAnswered, type Status } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';

/** How long a peer that came online is pinged until it answers (a join takes a few seconds). */
const REACH_FOR_MS = 20_000;
/** One ping's wait for its answer. */
const PING_TIMEOUT_MS = 700;
/** A new ping this often, the earlier ones still waiting: the answer comes soon after it can. */
const PING_EVERY_MS = 250;

/** The tailnet IPv4 of every online peer ({@link isPeerOnline}); undefined while this node itself is not Running. */
export function onlinePeers(s: Status): Set<string> | undefined {
  if (s.BackendState !== 'Running') return undefined;
  return new Set(
    Object.values(s.Peer ?? {}).flatMap((p) => {
      const ip = (p.TailscaleIPs ?? []).find((a) => !a.includes(':'));
      return ip && isPeerOnline(p) ? [ip] : [];
    }),
  );
}

/**
 * Which peers came online between two looks. None on the first look, nor on the first one
 * after this node came back Running: the runs that follow a start ask everyone.
 */
export function newlyOnline(
  before: Set<string> | undefined,
  now: Set<string> | undefined,
): string[] {
  if (before === undefined || now === undefined) return [];
  return [...now].filter((ip) => !before.has(ip));
}

/**
 * Calls `onReached` with the tailnet IP of each peer that comes online (a node that has just
 * joined) once it answers a disco ping from here. A joiner's first WireGuard handshake with a
 * member can arrive before the member has any address for it (the joiner's DERP home reaches
 * the member's map a moment after the joiner, and its direct address only with a ping), so the
 * member cannot answer, and the joiner sends the next one 5 s later. Sending to the joiner from here
 * once its answer gave this node an address makes the handshake from this side, and the
 * joiner's waiting packets go out with it. Runs until `signal` aborts; a tailscaled that goes
 * away is followed again.
 */
export async function followJoiningPeers(
  ctx: MeshContext,
  o: { signal: AbortSignal; onReached: (ip: string) => void },
): Promise<void> {
  const { signal } = o;
  let known: Set<string> | undefined;
  const reaching = new Set<string>();
  while (!signal.aborted) {
    const client = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
    const reach = async (ip: string) => {
      reaching.add(ip);
      try {
        const answer = await pingUntilAnswered(client, ip, {
          timeoutMs: REACH_FOR_MS,
          everyMs: PING_EVERY_MS,
          patienceMs: PING_TIMEOUT_MS,
          signal,
        });
        if (answer) o.onReached(ip);
      } finally {
        reaching.delete(ip);
      }
    };
    const pings = new Set<Promise<void>>();
    try {
      const look = async () => {
        const now = onlinePeers(await client.status({ timeout: 3000, signal }));
        for (const ip of newlyOnline(known, now)) {
          if (reaching.has(ip)) continue;
          const ping = reach(ip).finally(() => pings.delete(ping));
          pings.add(ping);
        }
        known = now;
      };
      await look();
      // Without a mask the bus sends each new map, and nothing of the state before it.
      for await (const n of client.watchIpnBus({ mask: 0, signal })) {
        if (n.NetMap || n.State != null) await look();
      }
    } catch {
      // tailscaled went away or restarts: looked at again below.
    } finally {
      await Promise.all(pings);
      await client.close();
    }
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
}
