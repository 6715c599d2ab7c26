import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from './errors.js';

export interface WaitOptions {
  /** @default 30000 (ms) */
  timeout?: number;
  /** First delay between tries; doubles up to 500 ms. @default 25 (ms) */
  interval?: number;
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns a value other than undefined. Errors from `probe` count as
 * "not yet"; the last one becomes the cause of the timeout error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  o: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (o.timeout ?? 30_000);
  let delay = o.interval ?? 25;
  let lastError: unknown;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new LabError(`timed out waiting for ${what}`, {
        cause: lastError,
        hint: 'see the process logs under the lab root',
      });
    }
    await sleep(delay, undefined, o.signal ? { signal: o.signal } : undefined);
    delay = Math.min(delay * 2, 500);
  }
}
