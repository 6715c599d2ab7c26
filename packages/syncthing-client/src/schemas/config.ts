import { z } from 'zod';
import { list, timestamp } from './common.js';

/** `{value, unit}` sizes such as `minDiskFree` (`unit` is `%`, `kB`, `MB`, …). */
export const SizeSchema = z.looseObject({ value: z.number(), unit: z.string() });
export type Size = z.infer<typeof SizeSchema>;

/** A device entry in the config (`/rest/config/devices`). Fields vary by version, so most are optional. */
export const DeviceConfigSchema = z.looseObject({
  deviceID: z.string(),
  name: z.string().optional(),
  addresses: list(z.string()),
  compression: z.string().optional(),
  certName: z.string().optional(),
  introducer: z.boolean().optional(),
  skipIntroductionRemovals: z.boolean().optional(),
  introducedBy: z.string().optional(),
  paused: z.boolean().optional(),
  allowedNetworks: list(z.string()),
  autoAcceptFolders: z.boolean().optional(),
  maxSendKbps: z.number().optional(),
  maxRecvKbps: z.number().optional(),
  ignoredFolders: list(
    z.looseObject({ time: timestamp.optional(), id: z.string(), label: z.string().optional() }),
  ),
  maxRequestKiB: z.number().optional(),
  untrusted: z.boolean().optional(),
  remoteGUIPort: z.number().optional(),
  /** 1.25.0+ */
  numConnections: z.number().optional(),
  /** 2.1+ */
  group: z.string().optional(),
});
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;

/** A device a folder is shared with. */
export const FolderDeviceSchema = z.looseObject({
  deviceID: z.string(),
  introducedBy: z.string().optional(),
  encryptionPassword: z.string().optional(),
});
export type FolderDevice = z.infer<typeof FolderDeviceSchema>;

/** Folder versioning: `type` is `""` (off), `trashcan`, `simple`, `staggered` or `external`. */
export const VersioningSchema = z.looseObject({
  type: z.string(),
  params: z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => v ?? {}),
  cleanupIntervalS: z.number().optional(),
  fsPath: z.string().optional(),
  fsType: z.string().optional(),
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
  label: z.string().optional(),
  filesystemType: z.string().optional(),
  path: z.string(),
  type: FolderTypeSchema.optional(),
  devices: list(FolderDeviceSchema),
  rescanIntervalS: z.number().optional(),
  fsWatcherEnabled: z.boolean().optional(),
  fsWatcherDelayS: z.number().optional(),
  ignorePerms: z.boolean().optional(),
  autoNormalize: z.boolean().optional(),
  minDiskFree: SizeSchema.optional(),
  versioning: VersioningSchema.optional(),
  copiers: z.number().optional(),
  pullerMaxPendingKiB: z.number().optional(),
  hashers: z.number().optional(),
  order: z.string().optional(),
  ignoreDelete: z.boolean().optional(),
  scanProgressIntervalS: z.number().optional(),
  pullerPauseS: z.number().optional(),
  maxConflicts: z.number().optional(),
  disableSparseFiles: z.boolean().optional(),
  paused: z.boolean().optional(),
  markerName: z.string().optional(),
  copyOwnershipFromParent: z.boolean().optional(),
  modTimeWindowS: z.number().optional(),
  maxConcurrentWrites: z.number().optional(),
  disableFsync: z.boolean().optional(),
  blockPullOrder: z.string().optional(),
  copyRangeMethod: z.string().optional(),
  caseSensitiveFS: z.boolean().optional(),
  junctionsAsDirs: z.boolean().optional(),
});
export type FolderConfig = z.infer<typeof FolderConfigSchema>;

/** `/rest/config/options`. Only commonly used fields are typed; all others pass through. */
export const OptionsConfigSchema = z.looseObject({
  listenAddresses: list(z.string()),
  globalAnnounceServers: list(z.string()),
  globalAnnounceEnabled: z.boolean().optional(),
  localAnnounceEnabled: z.boolean().optional(),
  localAnnouncePort: z.number().optional(),
  maxSendKbps: z.number().optional(),
  maxRecvKbps: z.number().optional(),
  reconnectionIntervalS: z.number().optional(),
  relaysEnabled: z.boolean().optional(),
  startBrowser: z.boolean().optional(),
  natEnabled: z.boolean().optional(),
  urAccepted: z.number().optional(),
  urSeen: z.number().optional(),
  autoUpgradeIntervalH: z.number().optional(),
  upgradeToPreReleases: z.boolean().optional(),
  limitBandwidthInLan: z.boolean().optional(),
  minHomeDiskFree: SizeSchema.optional(),
  alwaysLocalNets: list(z.string()),
  overwriteRemoteDeviceNamesOnConnect: z.boolean().optional(),
  unackedNotificationIDs: list(z.string()),
  crashReportingEnabled: z.boolean().optional(),
  stunServers: list(z.string()),
  maxFolderConcurrency: z.number().optional(),
  announceLANAddresses: z.boolean().optional(),
});
export type OptionsConfig = z.infer<typeof OptionsConfigSchema>;

/** `/rest/config/gui`. `apiKey` is a secret: do not log this object. */
export const GuiConfigSchema = z.looseObject({
  enabled: z.boolean().optional(),
  address: z.string(),
  unixSocketPermissions: z.string().optional(),
  user: z.string().optional(),
  password: z.string().optional(),
  authMode: z.string().optional(),
  useTLS: z.boolean().optional(),
  apiKey: z.string().optional(),
  insecureAdminAccess: z.boolean().optional(),
  theme: z.string().optional(),
  /** 1.x only */
  debugging: z.boolean().optional(),
  insecureSkipHostcheck: z.boolean().optional(),
  insecureAllowFrameLoading: z.boolean().optional(),
  /** 1.29.6+ */
  metricsWithoutAuth: z.boolean().optional(),
  sendBasicAuthPrompt: z.boolean().optional(),
});
export type GuiConfig = z.infer<typeof GuiConfigSchema>;

/** `/rest/config/ldap`. */
export const LdapConfigSchema = z.looseObject({
  address: z.string().optional(),
  bindDN: z.string().optional(),
  transport: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  searchBaseDN: z.string().optional(),
  searchFilter: z.string().optional(),
});
export type LdapConfig = z.infer<typeof LdapConfigSchema>;

/** `/rest/config/defaults/ignores` (1.19.0+). */
export const DefaultIgnoresSchema = z.looseObject({ lines: list(z.string()) });
export type DefaultIgnores = z.infer<typeof DefaultIgnoresSchema>;

/** Defaults for new folders/devices; the folder template has an empty `id`/`path` allowed. */
export const DefaultsSchema = z.looseObject({
  folder: FolderConfigSchema.optional(),
  device: DeviceConfigSchema.optional(),
  ignores: DefaultIgnoresSchema.optional(),
});

/** The whole config (`GET /rest/config`). */
export const ConfigSchema = z.looseObject({
  version: z.number(),
  folders: list(FolderConfigSchema),
  devices: list(DeviceConfigSchema),
  gui: GuiConfigSchema,
  ldap: LdapConfigSchema.optional(),
  options: OptionsConfigSchema,
  remoteIgnoredDevices: list(
    z.looseObject({
      time: timestamp.optional(),
      deviceID: z.string(),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  ),
  defaults: DefaultsSchema.optional(),
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
