import * as z from 'zod/mini';
import { dict, list, timestamp } from './common.js';

/** `GET /rest/stats/device`: device ID → last seen (1970 for never, incl. the local device). */
export const DeviceStatsSchema = dict(
  z.looseObject({
    lastSeen: timestamp,
    lastConnectionDurationS: z.optional(z.number()),
  }),
);
export type DeviceStats = z.infer<typeof DeviceStatsSchema>;

/** `GET /rest/stats/folder`: folder ID → last scan and last synced file. */
export const FolderStatsSchema = dict(
  z.looseObject({
    lastScan: z.optional(timestamp),
    lastFile: z.optional(
      z.looseObject({ at: timestamp, filename: z.string(), deleted: z.optional(z.boolean()) }),
    ),
  }),
);
export type FolderStats = z.infer<typeof FolderStatsSchema>;

/** `GET /rest/folder/errors`. */
export const FolderErrorsSchema = z.looseObject({
  folder: z.string(),
  errors: list(z.looseObject({ path: z.string(), error: z.string() })),
  page: z.optional(z.number()),
  perpage: z.optional(z.number()),
});
export type FolderErrors = z.infer<typeof FolderErrorsSchema>;

/** `GET /rest/folder/versions`: path → archived versions. */
export const FileVersionsSchema = dict(
  list(z.looseObject({ versionTime: timestamp, modTime: timestamp, size: z.number() })),
);
export type FileVersions = z.infer<typeof FileVersionsSchema>;

/** `POST /rest/folder/versions` answer: path → error string (empty map = all restored). */
export const RestoreResultSchema = dict(z.string());
export type RestoreResult = z.infer<typeof RestoreResultSchema>;

/** `GET /rest/svc/deviceid`: both outcomes are HTTP 200. */
export const DeviceIdCheckSchema = z.union([
  z.looseObject({ id: z.string() }),
  z.looseObject({ error: z.string() }),
]);
export type DeviceIdCheck = z.infer<typeof DeviceIdCheckSchema>;

export const RandomStringSchema = z.looseObject({ random: z.string() });
export const LanguagesSchema = list(z.string());

/** `GET /rest/svc/report`: the usage-report preview (large, loosely typed). */
export const UsageReportSchema = z.looseObject({
  version: z.optional(z.string()),
  longVersion: z.optional(z.string()),
  platform: z.optional(z.string()),
  uniqueID: z.optional(z.string()),
  urVersion: z.optional(z.number()),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

/** `GET /rest/noauth/health` (1.22.1+). */
export const HealthSchema = z.looseObject({ status: z.string() });
export type Health = z.infer<typeof HealthSchema>;
