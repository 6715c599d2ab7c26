import { z } from 'zod';
import { list, timestamp } from './common.js';

/** `GET /rest/db/status` and the `FolderSummary` event's `summary`. Expensive on big folders. */
export const FolderStatusSchema = z.looseObject({
  globalBytes: z.number(),
  globalDeleted: z.number().optional(),
  globalDirectories: z.number().optional(),
  globalFiles: z.number(),
  globalSymlinks: z.number().optional(),
  globalTotalItems: z.number().optional(),
  localBytes: z.number(),
  localDeleted: z.number().optional(),
  localDirectories: z.number().optional(),
  localFiles: z.number(),
  localSymlinks: z.number().optional(),
  localTotalItems: z.number().optional(),
  needBytes: z.number(),
  needDeletes: z.number().optional(),
  needDirectories: z.number().optional(),
  needFiles: z.number(),
  needSymlinks: z.number().optional(),
  needTotalItems: z.number().optional(),
  inSyncBytes: z.number().optional(),
  inSyncFiles: z.number().optional(),
  receiveOnlyChangedBytes: z.number().optional(),
  receiveOnlyChangedDeletes: z.number().optional(),
  receiveOnlyChangedDirectories: z.number().optional(),
  receiveOnlyChangedFiles: z.number().optional(),
  receiveOnlyChangedSymlinks: z.number().optional(),
  receiveOnlyTotalItems: z.number().optional(),
  errors: z.number().optional(),
  pullErrors: z.number().optional(),
  sequence: z.number(),
  /** Deprecated; use `sequence`. */
  version: z.number().optional(),
  /** `idle`, `scanning`, `scan-waiting`, `sync-waiting`, `sync-preparing`, `syncing`, `cleaning`, `clean-waiting`, `error`. */
  state: z.string(),
  stateChanged: timestamp.optional(),
  ignorePatterns: z.boolean().optional(),
  invalid: z.string().optional(),
  error: z.string().optional(),
  watchError: z.string().optional(),
  /** 1.2x+ */
  remoteSequence: z.record(z.string(), z.number()).optional(),
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
  sequence: z.number().optional(),
  remoteState: z.string().optional(),
});
export type Completion = z.infer<typeof CompletionSchema>;

/** `GET/POST /rest/db/ignores`: all three are `null` without a `.stignore`; we give `[]`. */
export const IgnoresSchema = z.looseObject({
  ignore: list(z.string()),
  expanded: list(z.string()),
  error: z.string().nullish(),
});
export type Ignores = z.infer<typeof IgnoresSchema>;

/** A file record (`db/file`, `db/need`, `db/localchanged`, …). */
export const FileInfoSchema = z.looseObject({
  name: z.string(),
  type: z.union([z.string(), z.number()]).optional(),
  size: z.number().optional(),
  modified: timestamp.optional(),
  /** Short device ID of the last modifier. */
  modifiedBy: z.string().optional(),
  sequence: z.number().optional(),
  /** Version vector entries `"SHORTID:counter"`. */
  version: list(z.string()),
  deleted: z.boolean().optional(),
  ignored: z.boolean().optional(),
  invalid: z.boolean().optional(),
  localFlags: z.number().optional(),
  mustRescan: z.boolean().optional(),
  noPermissions: z.boolean().optional(),
  numBlocks: z.number().optional(),
  permissions: z.string().optional(),
  platform: z.unknown().optional(),
  inodeChange: timestamp.optional(),
});
export type FileInfo = z.infer<typeof FileInfoSchema>;

/** `GET /rest/db/file`. */
export const DbFileSchema = z.looseObject({
  availability: list(z.looseObject({ id: z.string(), fromTemporary: z.boolean().optional() })),
  global: FileInfoSchema.optional(),
  local: FileInfoSchema.optional(),
  mtime: z
    .looseObject({
      err: z.string().nullish(),
      value: z.looseObject({ real: timestamp, virtual: timestamp }).optional(),
    })
    .optional(),
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
export const BrowseEntrySchema: z.ZodType<BrowseEntry> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    modTime: timestamp.optional(),
    size: z.number().optional(),
    type: z.string().optional(),
    children: z
      .array(BrowseEntrySchema)
      .nullish()
      .transform((v) => v ?? undefined),
  }),
) as z.ZodType<BrowseEntry>;
export const BrowseSchema = list(BrowseEntrySchema);
