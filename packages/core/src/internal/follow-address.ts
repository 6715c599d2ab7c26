import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link followAddress} keeps bound. */
export interface FollowAddressOptions<T> {
  signal: AbortSignal;
  /** The address to be bound to now; undefined: bound to none. */
  want: () => Promise<string | undefined>;
  /** Binds to `address`; what it returns is closed with `close`. */
  bind: (address: string) => Promise<T>;
  close: (bound: T) => Promise<void>;
  /** Called once bound (again after the address changed). */
  onBound?: (bound: T, address: string) => void;
  /** What a bind failure is reported as; reported once until it says something else. */
  failure: (address: string, error: unknown) => Error;
  onError?: (error: unknown) => void;
  /** How long until the address is looked at again, given whether something is bound. */
  recheckMs: (bound: boolean) => number;
}

/**
 * Keeps a server bound to the address `want` names as that changes (a tailnet address that
 * appears late, a server URL edited): closes and binds anew when it differs, tries again on the
 * next look after a failure, and closes when `signal` aborts. A failure never ends it.
 */
export async function followAddress<T>(o: FollowAddressOptions<T>): Promise<void> {
  let current: { address: string; bound: T } | undefined;
  let lastFailure: string | undefined;
  try {
    while (!o.signal.aborted) {
      const address = await o.want();
      if (address !== current?.address) {
        if (current) await o.close(current.bound);
        current = undefined;
        if (address !== undefined) {
          try {
            const bound = await o.bind(address);
            current = { address, bound };
            lastFailure = undefined;
            o.onBound?.(bound, address);
          } catch (error) {
            const failure = o.failure(address, error);
            if (failure.message !== lastFailure) o.onError?.(failure);
            lastFailure = failure.message;
          }
        }
      }
      await sleep(o.recheckMs(current !== undefined), undefined, { signal: o.signal }).catch(
        () => undefined,
      );
    }
  } finally {
    if (current) await o.close(current.bound);
  }
}
