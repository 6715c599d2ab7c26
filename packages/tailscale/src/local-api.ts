import { rememberSecret } from '@mesh/errors';
import { englishError } from '@mesh/platform';
import { Agent, type Dispatcher, request } from 'undici';
import type * as z from 'zod/mini';
import {
  TailscaleDaemonUnreachableError,
  TailscaleError,
  TailscaleLocalApiError,
  TailscaleSchemaError,
} from './errors.js';
import { deadline } from './internal/signals.js';
import { type Notify, NotifySchema, NotifyWatchOpt } from './schemas/notify.js';
import { type PingResult, PingResultSchema, type WhoIs, WhoIsSchema } from './schemas/ping.js';
import {
  type MaskedPrefs,
  type Prefs,
  type PrefsPatch,
  PrefsSchema,
  toMaskedPrefs,
} from './schemas/prefs.js';
import { type Status, StatusSchema } from './schemas/status.js';
import { defaultSocketPath } from './socket.js';

/** The only Host tailscaled accepts on its socket (`ipn/localapi`); Origin/Referer get 403. */
export const LOCAL_API_HOST = 'local-tailscaled.sock';

/** Options for {@link LocalApiClient}. */
export interface LocalApiClientOptions {
  /** tailscaled's `--socket` (or the Windows pipe). @default {@link defaultSocketPath}() */
  socketPath?: string;
  /**
   * An undici dispatcher to use instead of one connecting to `socketPath` (for example a socket
   * forwarded out of a network namespace). The client does not close a dispatcher it was given.
   */
  dispatcher?: Dispatcher;
  /** Per-request timeout in milliseconds (not applied to the IPN bus stream). @default 10000 */
  timeout?: number;
}

/** Per-call options. */
export interface TailscaleCallOptions {
  /** Cancels the call; raises `TailscaleAbortError`. */
  signal?: AbortSignal;
  /** Overrides the client timeout, in milliseconds. */
  timeout?: number;
}

/** Ping kinds the LocalAPI knows. `disco` tests the path, `TSMP`/`ICMP` go through WireGuard. */
export type PingType = 'disco' | 'TSMP' | 'ICMP' | 'peerapi';

/** Options of {@link LocalApiClient.ping}. */
export interface PingOptions extends TailscaleCallOptions {
  /** @default 'disco' */
  type?: PingType;
  /** Payload size in bytes (disco only). */
  size?: number;
}

/** Body of `POST /localapi/v0/start` (`ipn.Options`). */
export interface StartOptions {
  /** Full prefs to install (read them with `getPrefs`, then change what you need). */
  UpdatePrefs?: Record<string, unknown>;
  /** Pre-auth key; sent only in the request body, never logged. */
  AuthKey?: string;
  FrontendLogID?: string;
}

/** Options of {@link LocalApiClient.watchIpnBus}. */
export interface WatchOptions {
  /** `NotifyWatchOpt` bits. @default InitialState | InitialPrefs | InitialHealthState */
  mask?: number;
  /** Stops the stream (the iterator then ends without throwing). */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A client for tailscaled's LocalAPI (`/localapi/v0/…`) over its unix socket or Windows pipe.
 *
 * @example
 * ```ts
 * const ts = new LocalApiClient({ socketPath: '/run/mesh/n1/tailscaled.sock' });
 * const status = await ts.status();
 * console.log(status.BackendState, status.TailscaleIPs);
 * await ts.close();
 * ```
 */
export class LocalApiClient {
  readonly socketPath: string;
  readonly timeout: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: LocalApiClientOptions = {}) {
    this.socketPath = options.socketPath ?? defaultSocketPath();
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ connect: { socketPath: this.socketPath } });
  }

  /**
   * Closes the connection pool (only when the client created it). Open IPN-bus streams are cut
   * rather than waited for, since they never end by themselves.
   */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.destroy();
  }

  /** `GET status`: the full `ipnstate.Status`, or without peers when `peers` is false. */
  async status(options: TailscaleCallOptions & { peers?: boolean } = {}): Promise<Status> {
    const q = options.peers === false ? '?peers=false' : '';
    return this.#json('GET', `status${q}`, StatusSchema, undefined, options);
  }

  /** `GET prefs`. */
  async getPrefs(options: TailscaleCallOptions = {}): Promise<Prefs> {
    return this.#json('GET', 'prefs', PrefsSchema, undefined, options);
  }

  /**
   * `PATCH prefs` with a MaskedPrefs body built from `patch` (each given field plus
   * `<Field>Set: true`); returns the resulting prefs.
   */
  async patchPrefs(patch: PrefsPatch, options: TailscaleCallOptions = {}): Promise<Prefs> {
    return this.patchMaskedPrefs(toMaskedPrefs(patch), options);
  }

  /** `PATCH prefs` with a raw MaskedPrefs body, for fields {@link PrefsPatch} lacks. */
  async patchMaskedPrefs(masked: MaskedPrefs, options: TailscaleCallOptions = {}): Promise<Prefs> {
    return this.#json('PATCH', 'prefs', PrefsSchema, masked, options);
  }

  /**
   * `POST start`: installs prefs and (re)starts the backend, registering with `AuthKey` when
   * given. Returns once accepted; watch the IPN bus (or use `join`) for the outcome.
   */
  async start(body: StartOptions, options: TailscaleCallOptions = {}): Promise<void> {
    if (body.AuthKey) rememberSecret(body.AuthKey);
    await this.#call('POST', 'start', body, options);
  }

  /**
   * `POST login-interactive`: starts a login. With an auth key given to {@link start} the
   * daemon registers with that key (no URL); `tailscale up` calls this when there is no node key.
   */
  async loginInteractive(options: TailscaleCallOptions = {}): Promise<void> {
    await this.#call('POST', 'login-interactive', undefined, options);
  }

  /** `POST logout`: expires the node key and leaves the tailnet (ephemeral nodes are deleted). */
  async logout(options: TailscaleCallOptions = {}): Promise<void> {
    await this.#call('POST', 'logout', undefined, options);
  }

  /**
   * `POST ping?ip=&type=`: one ping. Resolves with the result even when the peer did not answer
   * (then `Err` is set); `Endpoint` is set when the pong came over a direct path.
   * @default timeout 5000 ms, like `tailscale ping`
   */
  async ping(ip: string, options: PingOptions = {}): Promise<PingResult> {
    const q = new URLSearchParams({ ip, type: options.type ?? 'disco' });
    if (options.size !== undefined) q.set('size', String(options.size));
    return this.#json('POST', `ping?${q}`, PingResultSchema, undefined, {
      timeout: 5_000,
      ...options,
    });
  }

  /** `GET whois?addr=`: the node and user behind a tailnet IP (or `ip:port`). */
  async whois(addr: string, options: TailscaleCallOptions = {}): Promise<WhoIs> {
    return this.#json(
      'GET',
      `whois?${new URLSearchParams({ addr })}`,
      WhoIsSchema,
      undefined,
      options,
    );
  }

  /**
   * Streams `GET watch-ipn-bus?mask=` as typed notifications until the signal aborts or the
   * daemon closes the stream. `State` is an int; name it with `backendStateName`.
   *
   * @example
   * ```ts
   * const ac = new AbortController();
   * for await (const n of ts.watchIpnBus({ signal: ac.signal })) {
   *   if (n.State === 6) ac.abort(); // Running
   * }
   * ```
   */
  async *watchIpnBus(options: WatchOptions = {}): AsyncGenerator<Notify, void, undefined> {
    const mask =
      options.mask ??
      NotifyWatchOpt.InitialState | NotifyWatchOpt.InitialPrefs | NotifyWatchOpt.InitialHealthState;
    const path = `watch-ipn-bus?mask=${mask}`;
    const caller = options.signal;
    // Our own controller so that leaving the loop early (break/return) also closes the stream.
    const local = new AbortController();
    const signal = caller ? AbortSignal.any([caller, local.signal]) : local.signal;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#send('GET', path, undefined, signal);
    } catch (e) {
      if (caller?.aborted) return;
      throw e;
    }
    if (res.statusCode !== 200) {
      throw new TailscaleLocalApiError('GET', path, res.statusCode, await res.body.text());
    }
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          if (line) yield parse(NotifySchema, line, path);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw new TailscaleError(`IPN bus stream broke: ${errorText(e)}`, { cause: e });
    } finally {
      local.abort();
      res.body.destroy();
    }
  }

  async #json<S extends z.ZodMiniType>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
    options: TailscaleCallOptions,
  ): Promise<z.infer<S>> {
    const text = await this.#call(method, path, body, options);
    return parse(schema, text, path);
  }

  async #call(
    method: string,
    path: string,
    body: unknown,
    options: TailscaleCallOptions,
  ): Promise<string> {
    const d = deadline(options.timeout ?? this.timeout, options.signal);
    const what = `${method} /localapi/v0/${path}`;
    try {
      const res = await this.#send(method, path, body, d.signal);
      const text = await res.body.text();
      if (res.statusCode >= 400) {
        throw new TailscaleLocalApiError(method, `/localapi/v0/${path}`, res.statusCode, text);
      }
      return text;
    } catch (e) {
      if (e instanceof TailscaleError) throw e;
      throw d.reason(what) ?? e;
    }
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await request(`http://${LOCAL_API_HOST}/localapi/v0/${path}`, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: this.#dispatcher,
        signal,
        // Deadlines come from `signal` alone (one clock, and the right error class); the bus
        // stream may stay silent for minutes, so undici's own idle timeouts are off.
        headersTimeout: 0,
        bodyTimeout: 0,
        headers: {
          host: LOCAL_API_HOST,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
        throw new TailscaleDaemonUnreachableError(this.socketPath, { cause: e });
      }
      throw e;
    }
  }
}

function parse<S extends z.ZodMiniType>(schema: S, text: string, path: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TailscaleSchemaError(`${path}: answer is not JSON: ${text.slice(0, 200)}`, {
      cause: e,
    });
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const error = englishError(r);
    throw new TailscaleSchemaError(`${path}: unexpected answer: ${error.message}`, {
      cause: error,
      hint: 'this tailscaled version may be too old or too new for @mesh/tailscale',
    });
  }
  return r.data;
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, i = 0; cur && i < 4; cur = (cur as { cause?: unknown }).cause, i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
