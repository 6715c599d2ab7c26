/**
 * Resolves once `signal` aborts (at once when it has). Only for a signal that ends with the
 * wait: the listener stays until the abort.
 */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
