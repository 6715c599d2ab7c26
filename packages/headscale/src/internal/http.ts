import { type Dispatcher, request } from 'undici';
import { HeadscaleAbortError, HeadscaleConnectionError, HeadscaleTimeoutError } from '../errors.js';

/** Options of one HTTP call. */
export interface HttpCallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  dispatcher?: Dispatcher | undefined;
  /** Milliseconds for the whole exchange. */
  timeout: number;
  signal?: AbortSignal | undefined;
}

/** What came back. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * One undici request with a timeout merged with the caller's signal. A caller abort and a timeout
 * raise different errors; anything that prevents an answer is a {@link HeadscaleConnectionError}.
 */
export async function httpCall(o: HttpCallOptions): Promise<HttpAnswer> {
  const timeoutSignal = AbortSignal.timeout(o.timeout);
  const signal = o.signal ? AbortSignal.any([o.signal, timeoutSignal]) : timeoutSignal;
  const where = { method: o.method, url: o.url };
  try {
    const res = await request(o.url, {
      method: o.method,
      headers: o.headers ?? {},
      ...(o.body === undefined ? {} : { body: o.body }),
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
      signal,
      headersTimeout: o.timeout,
      bodyTimeout: o.timeout,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text };
  } catch (cause) {
    if (o.signal?.aborted) {
      throw new HeadscaleAbortError(`${o.method} ${o.url} aborted by the caller`, {
        cause,
        ...where,
        hint: 'the operation was cancelled',
      });
    }
    if (timeoutSignal.aborted || (cause as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
      throw new HeadscaleTimeoutError(`${o.method} ${o.url} timed out after ${o.timeout} ms`, {
        cause,
        ...where,
        timeoutMs: o.timeout,
        hint: 'check that Headscale is running and reachable, or raise the timeout',
      });
    }
    const code = (cause as { code?: string }).code ?? (cause as Error).message;
    throw new HeadscaleConnectionError(
      `${o.method} ${o.url} failed: cannot reach Headscale (${code})`,
      {
        cause,
        ...where,
        hint: 'check the server URL and port, and that `headscale serve` is running',
      },
    );
  }
}
