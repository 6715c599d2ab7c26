/**
 * Waiting, written once for every package: the abortable sleep and the retry backoff. Shared as
 * source like the rest of `@mesh/errors` (each package bundles its own copy), so a package that
 * uses them depends on no `@mesh` package at run time.
 */

/** How {@link backoffDelay} grows. */
export interface BackoffOptions {
  /** The delay before jitter of attempt 0, in milliseconds. */
  baseMs: number;
  /** The largest delay before jitter, in milliseconds. */
  maxMs: number;
  /** A number in [0, 1) (tests pass a fixed one). @default Math.random() */
  random?: number;
}

/**
 * Exponential backoff with jitter: `baseMs`·2^`attempt` (attempt 0-based) capped at `maxMs`,
 * then a random 50–100 % of it, so that clients that lost the same server at the same moment
 * (or parallel CI jobs) do not retry in step.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp * (0.5 + (o.random ?? Math.random()) * 0.5));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
