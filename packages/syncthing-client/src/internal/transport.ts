import { backoffDelay, englishError, sleep } from '@mesh/errors';
import { type Dispatcher, request } from 'undici';
import type * as z from 'zod/mini';
import {
  redactUrl,
  SyncthingAbortError,
  SyncthingAuthError,
  SyncthingConnectionError,
  type SyncthingError,
  SyncthingHttpError,
  SyncthingInvalidResponseError,
  SyncthingNotFoundError,
  SyncthingTimeoutError,
  SyncthingUnsupportedError,
} from '../errors.js';
import {
  describeRange,
  inRange,
  parseSyncthingVersion,
  SYNCTHING_FEATURES,
  type SyncthingFeature,
  type SyncthingVersion,
} from '../version.js';
import { buildUrl, type QueryValue } from './path.js';

/** How retries of a failed request (and reconnects of the event stream) back off. */
export const RETRY_BACKOFF = { baseMs: 250, maxMs: 8_000 } as const;

/** Per-call options accepted as the last argument of every public method. */
export interface SyncthingCallOptions {
  /** Aborts this call (combined with the client's own `signal`). */
  signal?: AbortSignal | undefined;
  /** Milliseconds before this call fails with {@link SyncthingTimeoutError}. @default client `timeout` */
  timeout?: number | undefined;
}

/** Minimal logger; `console` fits. Messages never contain the API key. */
export interface SyncthingLogger {
  debug?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
}

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeout: number;
  maxRetries: number;
  signal: AbortSignal | undefined;
  dispatcher: Dispatcher | undefined;
  logger: SyncthingLogger | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec<S extends z.ZodMiniType | undefined> {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** JSON body. */
  json?: unknown;
  /** Raw text body (e.g. `POST /rest/system/error`). */
  text?: string | undefined;
  /** Response schema; without one the body is discarded (config writes answer 200 + empty). */
  schema?: S;
  /** Gate on the server version; also turns a route 404 into {@link SyncthingUnsupportedError}. */
  feature?: SyncthingFeature | undefined;
  /** Retry on connection errors/5xx. @default method === 'GET' */
  retry?: boolean | undefined;
  /** Skip the API key (for `/rest/noauth/*`). */
  noAuth?: boolean | undefined;
  options?: SyncthingCallOptions | undefined;
}

/** HTTP statuses worth another try. 500 is excluded: Syncthing uses it for deterministic errors. */
const RETRY_STATUS = new Set([408, 429, 502, 503, 504]);

/** Error codes meaning "could not talk to the server at all" (safe to retry for GETs). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENOENT', // unix socket path missing
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The one place HTTP happens: auth header, timeout+abort, retries, error mapping, zod. */
export class Transport {
  /** Server version, learnt from the `X-Syncthing-Version` header of any response. */
  version: SyncthingVersion | undefined;
  /** Full device ID of the server, from `X-Syncthing-Id`. */
  deviceId: string | undefined;

  constructor(readonly config: TransportConfig) {}

  async request(spec: RequestSpec<undefined>): Promise<void>;
  async request<S extends z.ZodMiniType>(
    spec: RequestSpec<S> & { schema: S },
  ): Promise<z.output<S>>;
  async request<S extends z.ZodMiniType | undefined>(spec: RequestSpec<S>): Promise<unknown> {
    this.checkFeature(spec);
    const url = buildUrl(this.config.baseUrl, spec.path, spec.query);
    const retry = spec.retry ?? spec.method === 'GET';
    const maxRetries = retry ? this.config.maxRetries : 0;
    const userSignals = [this.config.signal, spec.options?.signal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const userSignal = userSignals.length > 0 ? AbortSignal.any(userSignals) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(spec, url, userSignal);
      } catch (error) {
        const transient =
          error instanceof SyncthingConnectionError ||
          (error instanceof SyncthingHttpError && RETRY_STATUS.has(error.status));
        if (!transient || attempt >= maxRetries || userSignal?.aborted) throw error;
        // Honour the server's Retry-After, capped so a bad header cannot stall us for long.
        const hinted = error instanceof SyncthingHttpError ? retryAfterMs.get(error) : undefined;
        const delay =
          hinted === undefined ? backoffDelay(attempt, RETRY_BACKOFF) : Math.min(hinted, 10_000);
        this.config.logger?.debug?.('syncthing: retrying', {
          method: spec.method,
          url: redactUrl(url),
          attempt: attempt + 1,
          delayMs: delay,
          error: (error as Error).message,
        });
        try {
          await sleep(delay, userSignal);
        } catch {
          throw new SyncthingAbortError(`${spec.method} ${redactUrl(url)} aborted`, {
            method: spec.method,
            url,
            cause: userSignal?.reason,
          });
        }
      }
    }
  }

  private checkFeature(spec: RequestSpec<z.ZodMiniType | undefined>): void {
    if (!spec.feature || !this.version) return;
    const range = SYNCTHING_FEATURES[spec.feature];
    if (!inRange(this.version, range)) {
      throw new SyncthingUnsupportedError(spec.feature, describeRange(range), {
        serverVersion: this.version.raw,
        method: spec.method,
      });
    }
  }

  private async once(
    spec: RequestSpec<z.ZodMiniType | undefined>,
    url: string,
    userSignal: AbortSignal | undefined,
  ): Promise<unknown> {
    const timeoutMs = spec.options?.timeout ?? this.config.timeout;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = userSignal ? AbortSignal.any([userSignal, timeoutSignal]) : timeoutSignal;
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9' };
    if (!spec.noAuth) headers['x-api-key'] = this.config.apiKey;
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.text !== undefined) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      body = spec.text;
    }
    const ctx = { method: spec.method, url };
    this.config.logger?.debug?.('syncthing: request', { method: spec.method, url: redactUrl(url) });

    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const res = await request(url, {
        method: spec.method,
        headers,
        body: body ?? null,
        signal,
        // Our own AbortSignal timer is the only clock; undici's would raise a different error.
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(this.config.dispatcher ? { dispatcher: this.config.dispatcher } : {}),
      });
      status = res.statusCode;
      this.learnFromHeaders(res.headers);
      const ra = res.headers['retry-after'];
      retryAfter = typeof ra === 'string' ? ra : undefined;
      text = await res.body.text();
    } catch (error) {
      throw this.mapFailure(error, ctx, userSignal, timeoutSignal, timeoutMs);
    }

    if (status < 200 || status >= 300) {
      const error = this.httpError(status, text, spec);
      if (error instanceof SyncthingHttpError && retryAfter !== undefined) {
        retryAfterMs.set(error, parseRetryAfter(retryAfter));
      }
      throw error;
    }
    if (!spec.schema) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new SyncthingInvalidResponseError(
        `${spec.method} ${redactUrl(url)}: response is not JSON`,
        { ...ctx, cause, body: text, hint: 'is baseUrl pointing at the Syncthing GUI address?' },
      );
    }
    const parsed = spec.schema.safeParse(data);
    if (!parsed.success) {
      const error = englishError(parsed);
      throw new SyncthingInvalidResponseError(
        `${spec.method} ${redactUrl(url)}: unexpected response shape: ${error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '<root>'}: ${i.message}`)
          .join('; ')}`,
        { ...ctx, cause: error, issues: error.issues, body: text },
      );
    }
    return parsed.data;
  }

  private learnFromHeaders(headers: Record<string, string | string[] | undefined>): void {
    const version = headers['x-syncthing-version'];
    if (typeof version === 'string') {
      const parsed = parseSyncthingVersion(version);
      if (parsed) this.version = parsed;
    }
    const id = headers['x-syncthing-id'];
    if (typeof id === 'string') this.deviceId = id;
  }

  private httpError(
    status: number,
    text: string,
    spec: RequestSpec<z.ZodMiniType | undefined>,
  ): SyncthingError {
    const ctx = { method: spec.method, url: buildUrl(this.config.baseUrl, spec.path, spec.query) };
    // A route 404 (Go's mux answer) on a version-gated endpoint means "too old/new", not "no such
    // object" (those 404s carry their own text, e.g. "No folder with given ID").
    // Before 1.22.1 `/rest/noauth/*` did not exist and fell into the CSRF check (403), so a 403 on
    // a gated route of a too-old server means the same.
    if (spec.feature && (status === 404 || status === 403)) {
      const range = SYNCTHING_FEATURES[spec.feature];
      const routeMissing = status === 404 && text.trim() === '404 page not found';
      const knownOutside = this.version !== undefined && !inRange(this.version, range);
      if (knownOutside || (routeMissing && !this.version)) {
        return new SyncthingUnsupportedError(spec.feature, describeRange(range), {
          ...ctx,
          serverVersion: this.version?.raw,
        });
      }
    }
    if (status === 401 || status === 403) {
      const hint = /host check/i.test(text)
        ? 'the GUI rejected the Host header; connect via 127.0.0.1/localhost or set gui.insecureSkipHostcheck'
        : 'check the API key (gui.apikey in config.xml, or STGUIAPIKEY)';
      return new SyncthingAuthError(status, text, { ...ctx, hint });
    }
    if (status === 404) return new SyncthingNotFoundError(status, text, ctx);
    return new SyncthingHttpError(status, text, ctx);
  }

  private mapFailure(
    error: unknown,
    ctx: { method: string; url: string },
    userSignal: AbortSignal | undefined,
    timeoutSignal: AbortSignal,
    timeoutMs: number,
  ): SyncthingError {
    const where = `${ctx.method} ${redactUrl(ctx.url)}`;
    if (userSignal?.aborted) {
      return new SyncthingAbortError(`${where} aborted`, { ...ctx, cause: userSignal.reason });
    }
    if (timeoutSignal.aborted) {
      return new SyncthingTimeoutError(`${where} timed out after ${timeoutMs} ms`, {
        ...ctx,
        cause: error,
        timeoutMs,
        hint: 'raise `timeout`, or check that Syncthing is responsive',
      });
    }
    const code = errorCode(error);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new SyncthingTimeoutError(`${where} timed out (${code})`, { ...ctx, cause: error });
    }
    if (code !== undefined && CONNECTION_CODES.has(code)) {
      return new SyncthingConnectionError(`${where}: cannot reach Syncthing (${code})`, {
        ...ctx,
        cause: error,
        code,
        hint: 'is Syncthing running and is baseUrl its GUI/REST address?',
      });
    }
    return new SyncthingConnectionError(`${where}: ${(error as Error)?.message ?? String(error)}`, {
      ...ctx,
      cause: error,
      code,
    });
  }
}

/** Retry-After of failed responses, kept off the public error objects. */
const retryAfterMs = new WeakMap<SyncthingError, number | undefined>();

/** `Retry-After` as seconds or an HTTP date → milliseconds (undefined when unparseable). */
function parseRetryAfter(value: string): number | undefined {
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Finds a `code` on the error or its cause chain (undici wraps socket errors). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    // AggregateError from happy-eyeballs connect attempts
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errorCode(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
