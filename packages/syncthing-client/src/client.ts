import type { Dispatcher } from 'undici';
import { SyncthingError, SyncthingUnsupportedError } from './errors.js';
import {
  type SyncthingCallOptions,
  type SyncthingLogger,
  Transport,
} from './internal/transport.js';
import { ClusterResource } from './resources/cluster.js';
import { ConfigResource } from './resources/config.js';
import { DbResource } from './resources/db.js';
import { EventsResource } from './resources/events.js';
import { FolderResource, NoauthResource, StatsResource, SvcResource } from './resources/misc.js';
import { SystemResource } from './resources/system.js';
import {
  describeRange,
  parseSyncthingVersion,
  SYNCTHING_FEATURES,
  type SyncthingFeature,
  type SyncthingVersion,
  syncthingSupports,
} from './version.js';

/** Options of {@link SyncthingClient}. */
export interface SyncthingClientOptions {
  /** GUI/REST address, e.g. `http://127.0.0.1:8384` (a path prefix is kept). */
  baseUrl: string;
  /** The API key (`gui.apikey`), sent as `X-API-Key` (works in every version). Never logged. */
  apiKey: string;
  /** Per-call timeout in milliseconds (event long-polls get their own). @default 30000 */
  timeout?: number;
  /** Aborts every call of this client (combined with each call's own `signal`). */
  signal?: AbortSignal;
  /**
   * undici dispatcher, e.g. `new Agent({ connect: { socketPath } })` for a unix-socket GUI, or an
   * Agent pinning a self-signed HTTPS cert. @default undici's global dispatcher
   */
  dispatcher?: Dispatcher;
  /** Retries of idempotent GETs on connection errors and 408/429/502/503/504. @default 2 */
  maxRetries?: number;
  /** Debug logging of requests and retries (never includes the API key). */
  logger?: SyncthingLogger;
}

/**
 * Typed client for the Syncthing REST API (1.19 – 2.x). Resource namespaces mirror the REST docs:
 * `client.system`, `client.config`, `client.cluster`, `client.db`, `client.stats`,
 * `client.folder`, `client.svc`, `client.noauth`, `client.events`.
 *
 * @example
 * const client = new SyncthingClient({ baseUrl: 'http://127.0.0.1:8384', apiKey });
 * const { myID } = await client.system.status();
 */
export class SyncthingClient {
  /** `/rest/system/*` */
  readonly system: SystemResource;
  /** `/rest/config/*` */
  readonly config: ConfigResource;
  /** `/rest/cluster/*` */
  readonly cluster: ClusterResource;
  /** `/rest/db/*` */
  readonly db: DbResource;
  /** `/rest/stats/*` */
  readonly stats: StatsResource;
  /** `/rest/folder/*` */
  readonly folder: FolderResource;
  /** `/rest/svc/*` */
  readonly svc: SvcResource;
  /** `/rest/noauth/*` */
  readonly noauth: NoauthResource;
  /** `/rest/events`, `/rest/events/disk` */
  readonly events: EventsResource;

  private readonly transport: Transport;
  private readonly options: SyncthingClientOptions;

  constructor(options: SyncthingClientOptions) {
    validateOptions(options);
    this.options = options;
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeout: options.timeout ?? 30_000,
      maxRetries: options.maxRetries ?? 2,
      signal: options.signal,
      dispatcher: options.dispatcher,
      logger: options.logger,
    });
    this.system = new SystemResource(this.transport);
    this.config = new ConfigResource(this.transport);
    this.cluster = new ClusterResource(this.transport);
    this.db = new DbResource(this.transport);
    this.stats = new StatsResource(this.transport);
    this.folder = new FolderResource(this.transport);
    this.svc = new SvcResource(this.transport);
    this.noauth = new NoauthResource(this.transport);
    this.events = new EventsResource(this.transport);
  }

  /** A new client with some options changed (shares nothing mutable with this one). */
  withOptions(overrides: Partial<SyncthingClientOptions>): SyncthingClient {
    return new SyncthingClient({ ...this.options, ...overrides });
  }

  /** The server version learnt from the last response header, without a request. */
  get knownVersion(): SyncthingVersion | undefined {
    return this.transport.version;
  }

  /** The server's full device ID from the last response's `X-Syncthing-Id` header. */
  get knownDeviceId(): string | undefined {
    return this.transport.deviceId;
  }

  /** The server version (cached after the first response; asks `/rest/system/version` otherwise). */
  async serverVersion(options?: SyncthingCallOptions): Promise<SyncthingVersion> {
    if (this.transport.version) return this.transport.version;
    const info = await this.system.version(options);
    const parsed = parseSyncthingVersion(info.version);
    if (!parsed) {
      throw new SyncthingError(`unrecognised Syncthing version ${JSON.stringify(info.version)}`, {
        hint: 'development builds report `unknown-dev`; version gating is off for them',
      });
    }
    this.transport.version = parsed;
    return parsed;
  }

  /** Whether the server supports a version-gated feature (see {@link SYNCTHING_FEATURES}). */
  async supports(feature: SyncthingFeature, options?: SyncthingCallOptions): Promise<boolean> {
    return syncthingSupports(await this.serverVersion(options), feature);
  }

  /** Throws {@link SyncthingUnsupportedError} unless the server supports `feature`. */
  async require(feature: SyncthingFeature, options?: SyncthingCallOptions): Promise<void> {
    const version = await this.serverVersion(options);
    if (!syncthingSupports(version, feature)) {
      throw new SyncthingUnsupportedError(feature, describeRange(SYNCTHING_FEATURES[feature]), {
        serverVersion: version.raw,
      });
    }
  }
}

function validateOptions(options: SyncthingClientOptions): void {
  if (!options || typeof options !== 'object') {
    throw new TypeError('SyncthingClient: options object expected');
  }
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new TypeError(
      `SyncthingClient: baseUrl must be an absolute http(s) URL, got ${JSON.stringify(options.baseUrl)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`SyncthingClient: baseUrl must use http: or https:, got ${url.protocol}`);
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) {
    throw new TypeError('SyncthingClient: apiKey must be a non-empty string');
  }
  for (const key of ['timeout', 'maxRetries'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new TypeError(`SyncthingClient: ${key} must be a non-negative number, got ${value}`);
    }
  }
}
