import type { LocalApiClient } from './local-api.js';
import type { PingResult } from './schemas/ping.js';

export interface PingAnyOptions {
  /** How long the whole question may take, in ms. @default 2500 */
  timeoutMs?: number;
  /** How long the first IP is asked alone before every other one is asked too, in ms. @default 500 */
  aloneMs?: number;
  signal?: AbortSignal;
}

/**
 * Whether any of `ips` answers a disco ping: the first answer, or undefined when none came
 * within `timeoutMs`. The first IP (the one likeliest to answer) is asked alone for `aloneMs`,
 * or until it fails; only then are the others asked, all at once. A node asking this often
 * ("am I still reachable?") sends one ping where it would send one per peer, and one that is
 * cut off still hears from every peer within `timeoutMs`.
 */
export async function pingAny(
  client: LocalApiClient,
  ips: readonly string[],
  o: PingAnyOptions = {},
): Promise<PingResult | undefined> {
  const [first, ...rest] = ips;
  if (first === undefined) return undefined;
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const until = Date.now() + (o.timeoutMs ?? 2500);
  const ping = async (ip: string): Promise<PingResult> => {
    const r = await client.ping(ip, {
      type: 'disco',
      timeout: Math.max(1, until - Date.now()),
      signal,
    });
    if (r.Err) throw new Error(r.Err);
    return r;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const firstAnswer = ping(first);
    // Settles when the first IP answers or fails, or when it has been alone long enough.
    const alone = await Promise.race([
      firstAnswer.catch(() => undefined),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), o.aloneMs ?? 500);
      }),
    ]);
    if (alone) return alone;
    if (Date.now() >= until) return undefined;
    return await Promise.any([firstAnswer, ...rest.map(ping)]).catch(() => undefined);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}
