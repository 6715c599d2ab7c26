import type { SyncthingCallOptions } from '../internal/transport.js';
import { type OkMessage, OkMessageSchema } from '../schemas/common.js';
import {
  BrowsePathsSchema,
  type Connections,
  ConnectionsSchema,
  type DebugFacilities,
  DebugFacilitiesSchema,
  type Discovery,
  DiscoverySchema,
  type LogLevels,
  LogLevelsSchema,
  type Ping,
  PingSchema,
  type SystemErrors,
  SystemErrorsSchema,
  type SystemLog,
  SystemLogSchema,
  type SystemPaths,
  SystemPathsSchema,
  type SystemStatus,
  SystemStatusSchema,
  type SystemVersion,
  SystemVersionSchema,
  type UpgradeInfo,
  UpgradeInfoSchema,
} from '../schemas/system.js';
import { Resource } from './resource.js';

/** `/rest/system/*`: process status, logs, lifecycle. */
export class SystemResource extends Resource {
  /** `GET /rest/system/status`: own device ID, uptime, listeners, dial status. */
  status(options?: SyncthingCallOptions): Promise<SystemStatus> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/status',
      schema: SystemStatusSchema,
      options,
    });
  }

  /** `GET /rest/system/version`: the running version (also cached by the client). */
  version(options?: SyncthingCallOptions): Promise<SystemVersion> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/version',
      schema: SystemVersionSchema,
      options,
    });
  }

  /** `GET /rest/system/connections`: per-device connection state and byte counters (local device included). */
  connections(options?: SyncthingCallOptions): Promise<Connections> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/connections',
      schema: ConnectionsSchema,
      options,
    });
  }

  /** `GET /rest/system/ping` → `{ping:"pong"}`; a cheap authenticated liveness check. */
  ping(options?: SyncthingCallOptions): Promise<Ping> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/ping',
      schema: PingSchema,
      options,
    });
  }

  /** `GET /rest/system/discovery`: device ID → addresses learnt from discovery. */
  discovery(options?: SyncthingCallOptions): Promise<Discovery> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/discovery',
      schema: DiscoverySchema,
      options,
    });
  }

  /** `GET /rest/system/error`: recent error messages shown in the GUI. */
  errors(options?: SyncthingCallOptions): Promise<SystemErrors> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/error',
      schema: SystemErrorsSchema,
      options,
    });
  }

  /** `POST /rest/system/error`: records an error message (plain text) for the GUI. */
  reportError(message: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/error',
      text: message,
      options,
    });
  }

  /** `POST /rest/system/error/clear`: clears the error list. */
  clearErrors(options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({ method: 'POST', path: '/rest/system/error/clear', options });
  }

  /** `GET /rest/system/log[?since=]`: recent log lines (`since` is an RFC 3339 time or Date). */
  log(params: { since?: string | Date } = {}, options?: SyncthingCallOptions): Promise<SystemLog> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/log',
      query: { since: params.since instanceof Date ? params.since.toISOString() : params.since },
      schema: SystemLogSchema,
      options,
    });
  }

  /** `GET /rest/system/paths` (1.21.0+): config/database/cert paths. */
  paths(options?: SyncthingCallOptions): Promise<SystemPaths> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/paths',
      schema: SystemPathsSchema,
      feature: 'GET /rest/system/paths',
      options,
    });
  }

  /** `GET /rest/system/debug` (1.x; removed in 2.0, see {@link logLevels}): debug facilities. */
  debug(options?: SyncthingCallOptions): Promise<DebugFacilities> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/debug',
      schema: DebugFacilitiesSchema,
      feature: 'GET /rest/system/debug',
      options,
    });
  }

  /** `POST /rest/system/debug?enable=&disable=` (1.x): toggles debug facilities. */
  setDebug(
    params: { enable?: string[]; disable?: string[] },
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/debug',
      query: { enable: params.enable?.join(','), disable: params.disable?.join(',') },
      feature: 'POST /rest/system/debug',
      options,
    });
  }

  /** `GET /rest/system/loglevels` (2.0+): per-package log levels. */
  logLevels(options?: SyncthingCallOptions): Promise<LogLevels> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/loglevels',
      schema: LogLevelsSchema,
      feature: 'GET /rest/system/loglevels',
      options,
    });
  }

  /** `POST /rest/system/loglevels` (2.0+): sets levels, e.g. `{ model: 'DEBUG' }`. */
  setLogLevels(levels: Record<string, string>, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/loglevels',
      json: levels,
      feature: 'POST /rest/system/loglevels',
      options,
    });
  }

  /** `POST /rest/system/restart`. With `STMONITORED`+`STNORESTART` the process exits with code 3. */
  restart(options?: SyncthingCallOptions): Promise<OkMessage> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/restart',
      schema: OkMessageSchema,
      options,
    });
  }

  /** `POST /rest/system/shutdown`: the process exits 0. */
  shutdown(options?: SyncthingCallOptions): Promise<OkMessage> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/shutdown',
      schema: OkMessageSchema,
      options,
    });
  }

  /** `POST /rest/system/reset[?folder=]`: wipes the index of one or all folders, then restarts. */
  reset(params: { folder?: string } = {}, options?: SyncthingCallOptions): Promise<OkMessage> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/reset',
      query: { folder: params.folder },
      schema: OkMessageSchema,
      options,
    });
  }

  /** `POST /rest/system/pause[?device=]`: pauses one device, or all when omitted. */
  pause(params: { device?: string } = {}, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/pause',
      query: { device: params.device },
      options,
    });
  }

  /** `POST /rest/system/resume[?device=]`: resumes one device, or all when omitted. */
  resume(params: { device?: string } = {}, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/system/resume',
      query: { device: params.device },
      options,
    });
  }

  /** `GET /rest/system/browse?current=`: server-side directory completion for a path prefix. */
  browse(current: string, options?: SyncthingCallOptions): Promise<string[]> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/browse',
      query: { current },
      schema: BrowsePathsSchema,
      options,
    });
  }

  /**
   * `GET /rest/system/upgrade`: **contacts the internet** (upgrades.syncthing.net) unless upgrades
   * are disabled (then 501/503 → {@link SyncthingHttpError}). Not retried.
   */
  upgradeCheck(options?: SyncthingCallOptions): Promise<UpgradeInfo> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/system/upgrade',
      schema: UpgradeInfoSchema,
      retry: false,
      options,
    });
  }

  /** `POST /rest/system/upgrade`: downloads and installs the newest release, then restarts. */
  upgrade(options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({ method: 'POST', path: '/rest/system/upgrade', options });
  }
}
