/** Exponential backoff with jitter: base·2^attempt capped at `maxMs`, then a random 50–100 %. */
export function backoffDelay(attempt: number, baseMs = 250, maxMs = 8_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** attempt);
  // Jitter spreads out clients that all lost the same server at the same moment.
  return Math.round(exp * (0.5 + Math.random() * 0.5));
}

/** Sleeps `ms`, rejecting with the signal's reason as soon as `signal` aborts. */
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
