import type { LocalApiClient } from './local-api.js';
import type { PingResult } from './schemas/ping.js';

export interface PingUntilAnsweredOptions {
  /** How long to keep trying, in ms. @default 2000 */
  timeoutMs?: number;
  /** A new ping every this many ms, the earlier ones still waiting. @default 100 */
  everyMs?: number;
  /** How long one ping waits for its pong, in ms. @default 250 */
  patienceMs?: number;
  signal?: AbortSignal;
}

/**
 * Disco-pings `ip` until it answers; the first answer, or undefined when none came in time.
 * A peer answers only once its map holds this node's current disco key. When tailscaled
 * restarts it gets a new one, and a peer that learns it drops its WireGuard session with the
 * node: a connection the node opened before then waits for TCP's one-second SYN retry. Pings
 * overlap (a new one every `everyMs`), so a pong that is merely slow still counts and the
 * first answer comes within `everyMs` of the peer learning the key.
 */
export async function pingUntilAnswered(
  client: LocalApiClient,
  ip: string,
  o: PingUntilAnsweredOptions = {},
): Promise<PingResult | undefined> {
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const patience = o.patienceMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    return await new Promise<PingResult | undefined>((resolve) => {
      if (signal.aborted) return resolve(undefined);
      const ping = () => {
        client.ping(ip, { type: 'disco', timeout: patience, signal }).then(
          (r) => {
            if (!r.Err) resolve(r);
          },
          () => undefined,
        );
      };
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
      deadline = setTimeout(() => resolve(undefined), o.timeoutMs ?? 2000);
      timer = setInterval(ping, o.everyMs ?? 100);
      ping();
    });
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
    stop.abort();
  }
}
