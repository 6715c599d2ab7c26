import type { SyncthingCallOptions } from '../internal/transport.js';
import {
  type DeviceIdCheck,
  DeviceIdCheckSchema,
  type DeviceStats,
  DeviceStatsSchema,
  type FileVersions,
  FileVersionsSchema,
  type FolderErrors,
  FolderErrorsSchema,
  type FolderStats,
  FolderStatsSchema,
  type Health,
  HealthSchema,
  LanguagesSchema,
  RandomStringSchema,
  type RestoreResult,
  RestoreResultSchema,
  type UsageReport,
  UsageReportSchema,
} from '../schemas/misc.js';
import type { PageParams } from './db.js';
import { Resource } from './resource.js';

/** `/rest/stats/*`. */
export class StatsResource extends Resource {
  /** `GET /rest/stats/device`: last seen per device (1970 = never; local device included). */
  devices(options?: SyncthingCallOptions): Promise<DeviceStats> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/stats/device',
      schema: DeviceStatsSchema,
      options,
    });
  }

  /** `GET /rest/stats/folder`: last scan and last synced file per folder. */
  folders(options?: SyncthingCallOptions): Promise<FolderStats> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/stats/folder',
      schema: FolderStatsSchema,
      options,
    });
  }
}

/** `/rest/folder/*`. */
export class FolderResource extends Resource {
  /** `GET /rest/folder/errors?folder=`: pull errors (`[]` when none). */
  errors(
    folder: string,
    params: PageParams = {},
    options?: SyncthingCallOptions,
  ): Promise<FolderErrors> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/folder/errors',
      query: { folder, page: params.page, perpage: params.perpage },
      schema: FolderErrorsSchema,
      options,
    });
  }

  /** `GET /rest/folder/versions?folder=`: archived versions; 500 "folder has no versioner" without versioning. */
  versions(folder: string, options?: SyncthingCallOptions): Promise<FileVersions> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/folder/versions',
      query: { folder },
      schema: FileVersionsSchema,
      options,
    });
  }

  /**
   * `POST /rest/folder/versions?folder=`: restores `{path: versionTime}`; answers path → error for
   * the ones that failed (empty = all restored).
   */
  restoreVersions(
    folder: string,
    versions: Record<string, string>,
    options?: SyncthingCallOptions,
  ): Promise<RestoreResult> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/folder/versions',
      query: { folder },
      json: versions,
      schema: RestoreResultSchema,
      options,
    });
  }
}

/** `/rest/svc/*`: small services. */
export class SvcResource extends Resource {
  /**
   * `GET /rest/svc/deviceid?id=`: the server's opinion of a device ID. Both outcomes are HTTP 200:
   * `{id}` (normalised) or `{error}`. See also the offline {@link parseDeviceId}.
   */
  deviceId(id: string, options?: SyncthingCallOptions): Promise<DeviceIdCheck> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/svc/deviceid',
      query: { id },
      schema: DeviceIdCheckSchema,
      options,
    });
  }

  /** `GET /rest/svc/lang`: languages from the request's Accept-Language. */
  lang(options?: SyncthingCallOptions): Promise<string[]> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/svc/lang',
      schema: LanguagesSchema,
      options,
    });
  }

  /** `GET /rest/svc/random/string?length=`: a random string from the server. */
  async randomString(length = 32, options?: SyncthingCallOptions): Promise<string> {
    const res = await this.transport.request({
      method: 'GET',
      path: '/rest/svc/random/string',
      query: { length },
      schema: RandomStringSchema,
      options,
    });
    return res.random;
  }

  /** `GET /rest/svc/report`: the usage report that would be sent (nothing is sent). */
  report(options?: SyncthingCallOptions): Promise<UsageReport> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/svc/report',
      schema: UsageReportSchema,
      options,
    });
  }
}

/** `/rest/noauth/*`: no API key needed. */
export class NoauthResource extends Resource {
  /** `GET /rest/noauth/health` (1.22.1+) → `{status:"OK"}`. */
  health(options?: SyncthingCallOptions): Promise<Health> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/noauth/health',
      schema: HealthSchema,
      feature: 'GET /rest/noauth/health',
      noAuth: true,
      options,
    });
  }
}
