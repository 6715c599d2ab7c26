import { backoffDelay } from '@mesh/errors';
import { MeshError } from '../errors.js';

/**
 * Whether a failed join is worth another attempt: the server or tailscaled did not answer in
 * time. A rejected key or bad input never is (trying again cannot change the answer).
 */
export function isTransientJoinError(error: unknown): boolean {
  if (error instanceof MeshError) {
    if (error.kind === 'serverUnreachable') return true;
    if (error.kind === 'authRejected' || error.kind === 'badInput') return false;
    return isTransientJoinError(error.cause);
  }
  const name = (error as { name?: unknown } | null)?.name;
  return (
    name === 'TailscaleControlUnreachableError' ||
    name === 'TailscaleTimeoutError' ||
    name === 'TailscaleDaemonUnreachableError' ||
    name === 'HeadscaleConnectionError' ||
    name === 'HeadscaleTimeoutError'
  );
}

/**
 * Delay before retry number `attempt` (1-based): exponential from 1 s, capped at 15 s, with
 * full jitter in the upper half so parallel CI jobs do not retry in step.
 * @param random a number in [0, 1) (tests pass a fixed one)
 */
export function retryDelayMs(attempt: number, random: number = Math.random()): number {
  return backoffDelay(attempt - 1, { baseMs: 1000, maxMs: 15_000, random });
}
