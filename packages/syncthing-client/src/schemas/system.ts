import * as z from 'zod/mini';
import { dict, list, timestamp } from './common.js';

/** `GET /rest/system/status`. Discovery fields appear only while discovery is on. */
export const SystemStatusSchema = z.looseObject({
  myID: z.string(),
  uptime: z.number(),
  startTime: z.optional(timestamp),
  alloc: z.optional(z.number()),
  sys: z.optional(z.number()),
  goroutines: z.optional(z.number()),
  cpuPercent: z.optional(z.number()),
  pathSeparator: z.optional(z.string()),
  tilde: z.optional(z.string()),
  guiAddressOverridden: z.optional(z.boolean()),
  guiAddressUsed: z.optional(z.string()),
  urVersionMax: z.optional(z.number()),
  connectionServiceStatus: dict(
    z.looseObject({
      error: z.nullish(z.string()),
      lanAddresses: list(z.string()),
      wanAddresses: list(z.string()),
    }),
  ),
  lastDialStatus: dict(
    z.looseObject({
      when: z.optional(timestamp),
      error: z.nullish(z.string()),
      ok: z.optional(z.boolean()),
    }),
  ),
  discoveryEnabled: z.optional(z.boolean()),
  discoveryMethods: z.optional(z.number()),
  discoveryErrors: z.optional(dict(z.nullable(z.string()))),
  discoveryStatus: z.optional(dict(z.looseObject({ error: z.nullish(z.string()) }))),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

/** `GET /rest/system/version`. 2.x adds `extra`, `container`. */
export const SystemVersionSchema = z.looseObject({
  version: z.string(),
  longVersion: z.string(),
  codename: z.optional(z.string()),
  os: z.string(),
  arch: z.string(),
  isBeta: z.optional(z.boolean()),
  isCandidate: z.optional(z.boolean()),
  isRelease: z.optional(z.boolean()),
  date: z.optional(z.string()),
  tags: list(z.string()),
  stamp: z.optional(z.string()),
  user: z.optional(z.string()),
  extra: z.optional(z.string()),
  container: z.optional(z.boolean()),
});
export type SystemVersion = z.infer<typeof SystemVersionSchema>;

/** One entry of `GET /rest/system/connections`. The local device is listed too (`connected:false`). */
export const ConnectionSchema = z.looseObject({
  at: z.optional(timestamp),
  inBytesTotal: z.number(),
  outBytesTotal: z.number(),
  startedAt: z.optional(timestamp),
  connected: z.boolean(),
  paused: z.boolean(),
  address: z.optional(z.string()),
  clientVersion: z.optional(z.string()),
  type: z.optional(z.string()),
  crypto: z.optional(z.string()),
  /** 1.23.0+ */
  isLocal: z.optional(z.boolean()),
  /** 1.25.0+ (multiple connections) */
  primary: z.optional(z.unknown()),
  secondary: z.optional(z.unknown()),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectionsSchema = z.looseObject({
  connections: dict(ConnectionSchema),
  total: z.looseObject({
    at: z.optional(timestamp),
    inBytesTotal: z.number(),
    outBytesTotal: z.number(),
  }),
});
export type Connections = z.infer<typeof ConnectionsSchema>;

/** A logged message (`system/error`, `system/log`). */
export const LogLineSchema = z.looseObject({
  when: timestamp,
  message: z.string(),
  level: z.optional(z.number()),
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
  majorNewer: z.optional(z.boolean()),
  newer: z.boolean(),
  running: z.string(),
});
export type UpgradeInfo = z.infer<typeof UpgradeInfoSchema>;

/** `GET /rest/system/browse?current=`: matching directory paths. */
export const BrowsePathsSchema = list(z.string());
