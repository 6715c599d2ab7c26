import type { Dispatcher } from 'undici';
import { HeadscaleTimeoutError } from '../errors.js';
import { httpCall } from '../internal/http.js';

/** Options of {@link waitForHealth}. */
export interface WaitForHealthOptions {
  /** undici dispatcher (e.g. a unix-socket Agent into a namespace). */
  dispatcher?: Dispatcher;
  /** Give up after this many milliseconds. @default 30000 */
  timeout?: number;
  /** Milliseconds between polls. @default 200 */
  interval?: number;
  signal?: AbortSignal;
  /** Called between polls; throw from it to stop early (e.g. the process died). */
  check?: () => Promise<void> | void;
}

/** Polls `GET {url}/health` until it answers 200 `{"status":"pass"}`. */
export async function waitForHealth(url: string, o: WaitForHealthOptions = {}): Promise<void> {
  const timeout = o.timeout ?? 30_000;
  const deadline = Date.now() + timeout;
  const target = new URL('/health', url).href;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    o.signal?.throwIfAborted();
    try {
      const answer = await httpCall({
        method: 'GET',
        url: target,
        dispatcher: o.dispatcher,
        timeout: Math.min(2_000, Math.max(1, deadline - Date.now())),
        signal: o.signal,
      });
      if (answer.status === 200 && /"pass"/.test(answer.text)) return;
      last = `HTTP ${answer.status} ${answer.text.slice(0, 100)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await o.check?.();
    await new Promise((r) => setTimeout(r, o.interval ?? 200));
  }
  throw new HeadscaleTimeoutError(
    `Headscale at ${url} not healthy after ${timeout} ms (last: ${last})`,
    {
      method: 'GET',
      url: target,
      timeoutMs: timeout,
      hint: 'check the service logs (port in use? bad config?)',
    },
  );
}
