import { setTimeout as sleep } from 'node:timers/promises';

/** How `until` polls. */
export interface UntilOptions {
  /** Pause between two tries. @default 100 (ms) */
  intervalMs?: number;
}

/**
 * Polls `fn` until it returns a value other than `undefined`, and returns that value. A
 * condition reads `async () => (await check()) || undefined`; a throw from `fn` counts as
 * "not yet". After `timeoutMs` it fails with an error naming `what` (and the last throw, also
 * kept as its `cause`).
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  { intervalMs = 100 }: UntilOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let failed: { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      failed = { error };
    }
    if (Date.now() >= deadline) {
      const last = failed ? `; last error: ${String(failed.error)}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last}`,
        failed ? { cause: failed.error } : undefined,
      );
    }
    await sleep(intervalMs);
  }
}
