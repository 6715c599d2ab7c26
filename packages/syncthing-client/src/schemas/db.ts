import * as z from 'zod/mini';
import { list, timestamp } from './common.js';

/** `GET /rest/db/status` and the `FolderSummary` event's `summary`. Expensive on big folders. */
export const FolderStatusSchema = z.looseObject({
  globalBytes: z.number(),
  globalDeleted: z.optional(z.number()),
  globalDirectories: z.optional(z.number()),
  globalFiles: z.number(),
  globalSymlinks: z.optional(z.number()),
  globalTotalItems: z.optional(z.number()),
  localBytes: z.number(),
  localDeleted: z.optional(z.number()),
  localDirectories: z.optional(z.number()),
  localFiles: z.number(),
  localSymlinks: z.optional(z.number()),
  localTotalItems: z.optional(z.number()),
  needBytes: z.number(),
  needDeletes: z.optional(z.number()),
  needDirectories: z.optional(z.number()),
  needFiles: z.number(),
  needSymlinks: z.optional(z.number()),
  needTotalItems: z.optional(z.number()),
  inSyncBytes: z.optional(z.number()),
  inSyncFiles: z.optional(z.number()),
  receiveOnlyChangedBytes: z.optional(z.number()),
  receiveOnlyChangedDeletes: z.optional(z.number()),
  receiveOnlyChangedDirectories: z.optional(z.number()),
  receiveOnlyChangedFiles: z.optional(z.number()),
  receiveOnlyChangedSymlinks: z.optional(z.number()),
  receiveOnlyTotalItems: z.optional(z.number()),
  errors: z.optional(z.number()),
  pullErrors: z.optional(z.number()),
  sequence: z.number(),
  /** Deprecated; use `sequence`. */
  version: z.optional(z.number()),
  /** `idle`, `scanning`, `scan-waiting`, `sync-waiting`, `sync-preparing`, `syncing`, `cleaning`, `clean-waiting`, `error`. */
  state: z.string(),
  stateChanged: z.optional(timestamp),
  ignorePatterns: z.optional(z.boolean()),
  invalid: z.optional(z.string()),
  error: z.optional(z.string()),
  watchError: z.optional(z.string()),
  /** 1.2x+ */
  remoteSequence: z.optional(z.record(z.string(), z.number())),
});
export type FolderStatus = z.infer<typeof FolderStatusSchema>;

/** `GET /rest/db/completion`. `remoteState` is 1.20.0+. */
export const CompletionSchema = z.looseObject({
  completion: z.number(),
  globalBytes: z.number(),
  needBytes: z.number(),
  globalItems: z.number(),
  needItems: z.number(),
  needDeletes: z.number(),
  sequence: z.optional(z.number()),
  remoteState: z.optional(z.string()),
});
export type Completion = z.infer<typeof CompletionSchema>;

/** `GET/POST /rest/db/ignores`: all three are `null` without a `.stignore`; we give `[]`. */
export const IgnoresSchema = z.looseObject({
  ignore: list(z.string()),
  expanded: list(z.string()),
  error: z.nullish(z.string()),
});
export type Ignores = z.infer<typeof IgnoresSchema>;

/** A file record (`db/file`, `db/need`, `db/localchanged`, …). */
export const FileInfoSchema = z.looseObject({
  name: z.string(),
  type: z.optional(z.union([z.string(), z.number()])),
  size: z.optional(z.number()),
  modified: z.optional(timestamp),
  /** Short device ID of the last modifier. */
  modifiedBy: z.optional(z.string()),
  sequence: z.optional(z.number()),
  /** Version vector entries `"SHORTID:counter"`. */
  version: list(z.string()),
  deleted: z.optional(z.boolean()),
  ignored: z.optional(z.boolean()),
  invalid: z.optional(z.boolean()),
  localFlags: z.optional(z.number()),
  mustRescan: z.optional(z.boolean()),
  noPermissions: z.optional(z.boolean()),
  numBlocks: z.optional(z.number()),
  permissions: z.optional(z.string()),
  platform: z.optional(z.unknown()),
  inodeChange: z.optional(timestamp),
});
export type FileInfo = z.infer<typeof FileInfoSchema>;

/** `GET /rest/db/file`. */
export const DbFileSchema = z.looseObject({
  availability: list(z.looseObject({ id: z.string(), fromTemporary: z.optional(z.boolean()) })),
  global: z.optional(FileInfoSchema),
  local: z.optional(FileInfoSchema),
  mtime: z.optional(
    z.looseObject({
      err: z.nullish(z.string()),
      value: z.optional(z.looseObject({ real: timestamp, virtual: timestamp })),
    }),
  ),
});
export type DbFile = z.infer<typeof DbFileSchema>;

/** `GET /rest/db/need` (also the answer of `POST /rest/db/prio`). */
export const NeedSchema = z.looseObject({
  progress: list(FileInfoSchema),
  queued: list(FileInfoSchema),
  rest: list(FileInfoSchema),
  page: z.number(),
  perpage: z.number(),
});
export type Need = z.infer<typeof NeedSchema>;

/** `GET /rest/db/localchanged` and `/rest/db/remoteneed`. */
export const FilePageSchema = z.looseObject({
  files: list(FileInfoSchema),
  page: z.number(),
  perpage: z.number(),
});
export type FilePage = z.infer<typeof FilePageSchema>;

/** One node of `GET /rest/db/browse`. */
export interface BrowseEntry {
  name: string;
  modTime?: string | undefined;
  size?: number | undefined;
  type?: string | undefined;
  children?: BrowseEntry[] | undefined;
  [key: string]: unknown;
}
export const BrowseEntrySchema: z.ZodMiniType<BrowseEntry> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    modTime: z.optional(timestamp),
    size: z.optional(z.number()),
    type: z.optional(z.string()),
    children: z.pipe(
      z.nullish(z.array(BrowseEntrySchema)),
      z.transform((v) => v ?? undefined),
    ),
  }),
) as z.ZodMiniType<BrowseEntry>;
export const BrowseSchema = list(BrowseEntrySchema);
