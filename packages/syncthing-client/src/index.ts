export { SyncthingClient, type SyncthingClientOptions } from './client.js';
export {
  type ConflictFile,
  type ConflictName,
  type FindConflictsOptions,
  findConflicts,
  isConflictName,
  parseConflictName,
} from './conflicts.js';
export {
  base32,
  cleanDeviceIdInput,
  type DeviceId,
  deviceIdFromCertificate,
  formatDeviceId,
  isValidDeviceId,
  luhn32,
  normalizeDeviceId,
  parseDeviceId,
  SyncthingDeviceIdError,
  sameDeviceId,
  shortDeviceId,
} from './device-id.js';
export {
  isSyncthingError,
  redactUrl,
  SyncthingAbortError,
  SyncthingAuthError,
  SyncthingConnectionError,
  SyncthingError,
  type SyncthingErrorOptions,
  SyncthingHttpError,
  SyncthingInvalidResponseError,
  SyncthingNotFoundError,
  SyncthingTimeoutError,
  SyncthingUnsupportedError,
} from './errors.js';
export {
  defaultSyncthingHome,
  parseSyncthingConfigXml,
  readSyncthingHome,
  type SyncthingHomeInfo,
} from './home.js';
export type { CallOptions, SyncthingLogger } from './internal/transport.js';
export {
  newSyncthingApiKey,
  PRIVATE_SYNCTHING_OPTIONS,
  type PrivateSyncthingConfigOptions,
  privateSyncthingConfig,
} from './private-config.js';
export { type ProbeDeviceIdOptions, probeCertificate, probeDeviceId } from './probe.js';
export { ClusterResource, PendingResource } from './resources/cluster.js';
export {
  ConfigDevices,
  ConfigFolders,
  ConfigResource,
  ConfigSection,
  DefaultIgnoresResource,
} from './resources/config.js';
export type { PageParams } from './resources/db.js';
export { DbResource, IgnoresResource } from './resources/db.js';
export type { EventPollParams, EventStreamOptions } from './resources/events.js';
export { EventsResource } from './resources/events.js';
export { FolderResource, NoauthResource, StatsResource, SvcResource } from './resources/misc.js';
export { SystemResource } from './resources/system.js';
export * from './schemas/cluster.js';
export * from './schemas/common.js';
export * from './schemas/config.js';
export * from './schemas/db.js';
export * from './schemas/events.js';
export * from './schemas/misc.js';
export * from './schemas/system.js';
export {
  compareVersions,
  describeRange,
  FEATURES,
  type FeatureName,
  inRange,
  parseVersion,
  type SyncthingVersion,
  supports,
  type VersionRange,
  versionAtLeast,
} from './version.js';
