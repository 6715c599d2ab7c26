import { TailscaleAbortError, TailscaleTimeoutError } from '../errors.js';

/** A timeout signal merged with the caller's, able to tell which one fired. */
export interface Deadline {
  signal: AbortSignal;
  timeoutMs: number;
  /** Turns an abort into the right error: caller abort vs timeout. Undefined if neither fired. */
  reason(what: string): TailscaleAbortError | TailscaleTimeoutError | undefined;
}

/** Builds a {@link Deadline}; `timeoutMs <= 0` or Infinity means no timeout. */
export function deadline(timeoutMs: number, caller?: AbortSignal): Deadline {
  const timer =
    Number.isFinite(timeoutMs) && timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const parts = [timer, caller].filter((s): s is AbortSignal => s !== undefined);
  const signal = parts.length === 0 ? new AbortController().signal : AbortSignal.any(parts);
  return {
    signal,
    timeoutMs,
    reason(what) {
      if (caller?.aborted) {
        return new TailscaleAbortError(`${what} was aborted`, { cause: caller.reason });
      }
      if (timer?.aborted) return new TailscaleTimeoutError(what, timeoutMs);
      return undefined;
    },
  };
}
