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
  type DeviceId,
  deviceIdFromCertificate,
  formatDeviceId,
  isValidDeviceId,
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
export type { SyncthingCallOptions, SyncthingLogger } from './internal/transport.js';
export {
  newSyncthingApiKey,
  PRIVATE_SYNCTHING_OPTIONS,
  type PrivateSyncthingConfigOptions,
  privateSyncthingConfig,
} from './private-config.js';
export { type ProbeDeviceIdOptions, probeCertificate, probeDeviceId } from './probe.js';
// The client's resource namespaces (`client.config.devices`, ...), as types: the client makes them.
export type { ClusterResource, PendingResource } from './resources/cluster.js';
export type {
  ConfigDevices,
  ConfigFolders,
  ConfigResource,
  ConfigSection,
  DefaultIgnoresResource,
} from './resources/config.js';
export type { DbResource, IgnoresResource, PageParams } from './resources/db.js';
export type { EventPollParams, EventStreamOptions, EventsResource } from './resources/events.js';
export type {
  FolderResource,
  NoauthResource,
  StatsResource,
  SvcResource,
} from './resources/misc.js';
export type { SystemResource } from './resources/system.js';
// What the server answers, validated with zod inside the client; the schemas themselves stay private.
export type { PendingDevices, PendingFolderOffer, PendingFolders } from './schemas/cluster.js';
export type { OkMessage } from './schemas/common.js';
export type {
  Config,
  ConfigInSync,
  DefaultIgnores,
  DeviceConfig,
  DeviceConfigInput,
  FolderConfig,
  FolderConfigInput,
  FolderDevice,
  FolderType,
  GuiConfig,
  LdapConfig,
  OptionsConfig,
  RestartRequired,
  Size,
  Versioning,
} from './schemas/config.js';
export type {
  BrowseEntry,
  Completion,
  DbFile,
  FileInfo,
  FilePage,
  FolderStatus,
  Ignores,
  Need,
} from './schemas/db.js';
export {
  type DiskEvent,
  type DiskEventType,
  EVENT_TYPES,
  type EventData,
  type EventEnvelope,
  type EventType,
  type KnownEvent,
  type MissedEvents,
  type SyncthingEvent,
  type UnknownEvent,
} from './schemas/events.js';
export type {
  DeviceIdCheck,
  DeviceStats,
  FileVersions,
  FolderErrors,
  FolderStats,
  Health,
  RestoreResult,
  UsageReport,
} from './schemas/misc.js';
export type {
  Connection,
  Connections,
  DebugFacilities,
  Discovery,
  LogLevels,
  LogLine,
  Ping,
  SystemErrors,
  SystemLog,
  SystemPaths,
  SystemStatus,
  SystemVersion,
  UpgradeInfo,
} from './schemas/system.js';
export {
  parseSyncthingVersion,
  SYNCTHING_FEATURES,
  type SyncthingFeature,
  type SyncthingVersion,
  syncthingSupports,
  type VersionRange,
  versionAtLeast,
} from './version.js';
