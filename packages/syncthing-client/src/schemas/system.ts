import { z } from 'zod';
import { dict, list, timestamp } from './common.js';

/** `GET /rest/system/status`. Discovery fields appear only while discovery is on. */
export const SystemStatusSchema = z.looseObject({
  myID: z.string(),
  uptime: z.number(),
  startTime: timestamp.optional(),
  alloc: z.number().optional(),
  sys: z.number().optional(),
  goroutines: z.number().optional(),
  cpuPercent: z.number().optional(),
  pathSeparator: z.string().optional(),
  tilde: z.string().optional(),
  guiAddressOverridden: z.boolean().optional(),
  guiAddressUsed: z.string().optional(),
  urVersionMax: z.number().optional(),
  connectionServiceStatus: dict(
    z.looseObject({
      error: z.string().nullish(),
      lanAddresses: list(z.string()),
      wanAddresses: list(z.string()),
    }),
  ),
  lastDialStatus: dict(
    z.looseObject({
      when: timestamp.optional(),
      error: z.string().nullish(),
      ok: z.boolean().optional(),
    }),
  ),
  discoveryEnabled: z.boolean().optional(),
  discoveryMethods: z.number().optional(),
  discoveryErrors: dict(z.string().nullable()).optional(),
  discoveryStatus: dict(z.looseObject({ error: z.string().nullish() })).optional(),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

/** `GET /rest/system/version`. 2.x adds `extra`, `container`. */
export const SystemVersionSchema = z.looseObject({
  version: z.string(),
  longVersion: z.string(),
  codename: z.string().optional(),
  os: z.string(),
  arch: z.string(),
  isBeta: z.boolean().optional(),
  isCandidate: z.boolean().optional(),
  isRelease: z.boolean().optional(),
  date: z.string().optional(),
  tags: list(z.string()),
  stamp: z.string().optional(),
  user: z.string().optional(),
  extra: z.string().optional(),
  container: z.boolean().optional(),
});
export type SystemVersion = z.infer<typeof SystemVersionSchema>;

/** One entry of `GET /rest/system/connections`. The local device is listed too (`connected:false`). */
export const ConnectionSchema = z.looseObject({
  at: timestamp.optional(),
  inBytesTotal: z.number(),
  outBytesTotal: z.number(),
  startedAt: timestamp.optional(),
  connected: z.boolean(),
  paused: z.boolean(),
  address: z.string().optional(),
  clientVersion: z.string().optional(),
  type: z.string().optional(),
  crypto: z.string().optional(),
  /** 1.23.0+ */
  isLocal: z.boolean().optional(),
  /** 1.25.0+ (multiple connections) */
  primary: z.unknown().optional(),
  secondary: z.unknown().optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectionsSchema = z.looseObject({
  connections: dict(ConnectionSchema),
  total: z.looseObject({
    at: timestamp.optional(),
    inBytesTotal: z.number(),
    outBytesTotal: z.number(),
  }),
});
export type Connections = z.infer<typeof ConnectionsSchema>;

/** A logged message (`system/error`, `system/log`). */
export const LogLineSchema = z.looseObject({
  when: timestamp,
  message: z.string(),
  level: z.number().optional(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const SystemErrorsSchema = z.looseObject({ errors: list(LogLineSchema) });
export type SystemErrors = z.infer<typeof SystemErrorsSchema>;

export const SystemLogSchema = z.looseObject({ messages: list(LogLineSchema) });
export type SystemLog = z.infer<typeof SystemLogSchema>;

/** `GET /rest/system/discovery`: device ID → addresses. */
export const DiscoverySchema = dict(list(z.string()));
export type Discovery = z.infer<typeof DiscoverySchema>;

/** `GET /rest/system/paths` (1.21.0+): name → filesystem path. */
export const SystemPathsSchema = z.record(z.string(), z.string());
export type SystemPaths = z.infer<typeof SystemPathsSchema>;

export const PingSchema = z.looseObject({ ping: z.string() });
export type Ping = z.infer<typeof PingSchema>;

/** `GET /rest/system/debug` (1.x only). */
export const DebugFacilitiesSchema = z.looseObject({
  enabled: list(z.string()),
  facilities: dict(z.string()),
});
export type DebugFacilities = z.infer<typeof DebugFacilitiesSchema>;

/** `GET /rest/system/loglevels` (2.x). */
export const LogLevelsSchema = z.looseObject({
  levels: dict(z.string()),
  packages: dict(z.string()),
});
export type LogLevels = z.infer<typeof LogLevelsSchema>;

/** `GET /rest/system/upgrade` — contacts the internet; never call it in a private mesh. */
export const UpgradeInfoSchema = z.looseObject({
  latest: z.string(),
  majorNewer: z.boolean().optional(),
  newer: z.boolean(),
  running: z.string(),
});
export type UpgradeInfo = z.infer<typeof UpgradeInfoSchema>;

/** `GET /rest/system/browse?current=`: matching directory paths. */
export const BrowsePathsSchema = list(z.string());
