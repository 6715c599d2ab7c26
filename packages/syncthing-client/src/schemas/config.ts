import * as z from 'zod/mini';
import { list, timestamp } from './common.js';

/** `{value, unit}` sizes such as `minDiskFree` (`unit` is `%`, `kB`, `MB`, …). */
export const SizeSchema = z.looseObject({ value: z.number(), unit: z.string() });
export type Size = z.infer<typeof SizeSchema>;

/** A device entry in the config (`/rest/config/devices`). Fields vary by version, so most are optional. */
export const DeviceConfigSchema = z.looseObject({
  deviceID: z.string(),
  name: z.optional(z.string()),
  addresses: list(z.string()),
  compression: z.optional(z.string()),
  certName: z.optional(z.string()),
  introducer: z.optional(z.boolean()),
  skipIntroductionRemovals: z.optional(z.boolean()),
  introducedBy: z.optional(z.string()),
  paused: z.optional(z.boolean()),
  allowedNetworks: list(z.string()),
  autoAcceptFolders: z.optional(z.boolean()),
  maxSendKbps: z.optional(z.number()),
  maxRecvKbps: z.optional(z.number()),
  ignoredFolders: list(
    z.looseObject({ time: z.optional(timestamp), id: z.string(), label: z.optional(z.string()) }),
  ),
  maxRequestKiB: z.optional(z.number()),
  untrusted: z.optional(z.boolean()),
  remoteGUIPort: z.optional(z.number()),
  /** 1.25.0+ */
  numConnections: z.optional(z.number()),
  /** 2.1+ */
  group: z.optional(z.string()),
});
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;

/** A device a folder is shared with. */
export const FolderDeviceSchema = z.looseObject({
  deviceID: z.string(),
  introducedBy: z.optional(z.string()),
  encryptionPassword: z.optional(z.string()),
});
export type FolderDevice = z.infer<typeof FolderDeviceSchema>;

/** Folder versioning: `type` is `""` (off), `trashcan`, `simple`, `staggered` or `external`. */
export const VersioningSchema = z.looseObject({
  type: z.string(),
  params: z.pipe(
    z.nullish(z.record(z.string(), z.string())),
    z.transform((v) => v ?? {}),
  ),
  cleanupIntervalS: z.optional(z.number()),
  fsPath: z.optional(z.string()),
  fsType: z.optional(z.string()),
});
export type Versioning = z.infer<typeof VersioningSchema>;

/** Folder type. Legacy `readwrite`/`readonly` are still parsed by Syncthing. */
export const FolderTypeSchema = z.string();
export type FolderType =
  | 'sendreceive'
  | 'sendonly'
  | 'receiveonly'
  | 'receiveencrypted'
  | (string & {});

/** A folder entry in the config (`/rest/config/folders`). */
export const FolderConfigSchema = z.looseObject({
  id: z.string(),
  label: z.optional(z.string()),
  filesystemType: z.optional(z.string()),
  path: z.string(),
  type: z.optional(FolderTypeSchema),
  devices: list(FolderDeviceSchema),
  rescanIntervalS: z.optional(z.number()),
  fsWatcherEnabled: z.optional(z.boolean()),
  fsWatcherDelayS: z.optional(z.number()),
  ignorePerms: z.optional(z.boolean()),
  autoNormalize: z.optional(z.boolean()),
  minDiskFree: z.optional(SizeSchema),
  versioning: z.optional(VersioningSchema),
  copiers: z.optional(z.number()),
  pullerMaxPendingKiB: z.optional(z.number()),
  hashers: z.optional(z.number()),
  order: z.optional(z.string()),
  ignoreDelete: z.optional(z.boolean()),
  scanProgressIntervalS: z.optional(z.number()),
  pullerPauseS: z.optional(z.number()),
  maxConflicts: z.optional(z.number()),
  disableSparseFiles: z.optional(z.boolean()),
  paused: z.optional(z.boolean()),
  markerName: z.optional(z.string()),
  copyOwnershipFromParent: z.optional(z.boolean()),
  modTimeWindowS: z.optional(z.number()),
  maxConcurrentWrites: z.optional(z.number()),
  disableFsync: z.optional(z.boolean()),
  blockPullOrder: z.optional(z.string()),
  copyRangeMethod: z.optional(z.string()),
  caseSensitiveFS: z.optional(z.boolean()),
  junctionsAsDirs: z.optional(z.boolean()),
});
export type FolderConfig = z.infer<typeof FolderConfigSchema>;

/** `/rest/config/options`. Only commonly used fields are typed; all others pass through. */
export const OptionsConfigSchema = z.looseObject({
  listenAddresses: list(z.string()),
  globalAnnounceServers: list(z.string()),
  globalAnnounceEnabled: z.optional(z.boolean()),
  localAnnounceEnabled: z.optional(z.boolean()),
  localAnnouncePort: z.optional(z.number()),
  maxSendKbps: z.optional(z.number()),
  maxRecvKbps: z.optional(z.number()),
  reconnectionIntervalS: z.optional(z.number()),
  relaysEnabled: z.optional(z.boolean()),
  startBrowser: z.optional(z.boolean()),
  natEnabled: z.optional(z.boolean()),
  urAccepted: z.optional(z.number()),
  urSeen: z.optional(z.number()),
  autoUpgradeIntervalH: z.optional(z.number()),
  upgradeToPreReleases: z.optional(z.boolean()),
  limitBandwidthInLan: z.optional(z.boolean()),
  minHomeDiskFree: z.optional(SizeSchema),
  alwaysLocalNets: list(z.string()),
  overwriteRemoteDeviceNamesOnConnect: z.optional(z.boolean()),
  unackedNotificationIDs: list(z.string()),
  crashReportingEnabled: z.optional(z.boolean()),
  stunServers: list(z.string()),
  maxFolderConcurrency: z.optional(z.number()),
  announceLANAddresses: z.optional(z.boolean()),
});
export type OptionsConfig = z.infer<typeof OptionsConfigSchema>;

/** `/rest/config/gui`. `apiKey` is a secret: do not log this object. */
export const GuiConfigSchema = z.looseObject({
  enabled: z.optional(z.boolean()),
  address: z.string(),
  unixSocketPermissions: z.optional(z.string()),
  user: z.optional(z.string()),
  password: z.optional(z.string()),
  authMode: z.optional(z.string()),
  useTLS: z.optional(z.boolean()),
  apiKey: z.optional(z.string()),
  insecureAdminAccess: z.optional(z.boolean()),
  theme: z.optional(z.string()),
  /** 1.x only */
  debugging: z.optional(z.boolean()),
  insecureSkipHostcheck: z.optional(z.boolean()),
  insecureAllowFrameLoading: z.optional(z.boolean()),
  /** 1.29.6+ */
  metricsWithoutAuth: z.optional(z.boolean()),
  sendBasicAuthPrompt: z.optional(z.boolean()),
});
export type GuiConfig = z.infer<typeof GuiConfigSchema>;

/** `/rest/config/ldap`. */
export const LdapConfigSchema = z.looseObject({
  address: z.optional(z.string()),
  bindDN: z.optional(z.string()),
  transport: z.optional(z.string()),
  insecureSkipVerify: z.optional(z.boolean()),
  searchBaseDN: z.optional(z.string()),
  searchFilter: z.optional(z.string()),
});
export type LdapConfig = z.infer<typeof LdapConfigSchema>;

/** `/rest/config/defaults/ignores` (1.19.0+). */
export const DefaultIgnoresSchema = z.looseObject({ lines: list(z.string()) });
export type DefaultIgnores = z.infer<typeof DefaultIgnoresSchema>;

/** Defaults for new folders/devices; the folder template has an empty `id`/`path` allowed. */
export const DefaultsSchema = z.looseObject({
  folder: z.optional(FolderConfigSchema),
  device: z.optional(DeviceConfigSchema),
  ignores: z.optional(DefaultIgnoresSchema),
});

/** The whole config (`GET /rest/config`). */
export const ConfigSchema = z.looseObject({
  version: z.number(),
  folders: list(FolderConfigSchema),
  devices: list(DeviceConfigSchema),
  gui: GuiConfigSchema,
  ldap: z.optional(LdapConfigSchema),
  options: OptionsConfigSchema,
  remoteIgnoredDevices: list(
    z.looseObject({
      time: z.optional(timestamp),
      deviceID: z.string(),
      name: z.optional(z.string()),
      address: z.optional(z.string()),
    }),
  ),
  defaults: z.optional(DefaultsSchema),
});
export type Config = z.infer<typeof ConfigSchema>;

export const RestartRequiredSchema = z.looseObject({ requiresRestart: z.boolean() });
export type RestartRequired = z.infer<typeof RestartRequiredSchema>;

export const ConfigInSyncSchema = z.looseObject({ configInSync: z.boolean() });
export type ConfigInSync = z.infer<typeof ConfigInSyncSchema>;

/** What `add` takes for a device: the ID plus any fields; the rest come from `defaults.device`. */
export type DeviceConfigInput = { deviceID: string } & Partial<Omit<DeviceConfig, 'deviceID'>>;
/** What `add` takes for a folder: id and path plus any fields; the rest come from `defaults.folder`. */
export type FolderConfigInput = { id: string; path: string } & Partial<
  Omit<FolderConfig, 'id' | 'path' | 'devices'>
> & { devices?: ({ deviceID: string } & Partial<FolderDevice>)[] };
