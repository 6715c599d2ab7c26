/**
 * Conflict copies: `name.sync-conflict-YYYYMMDD-HHMMSS-<shortID>.ext`. The short ID names the
 * *winning* version's modifier; the copy holds the losing content; the time is the resolving
 * device's local wall clock.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** A parsed conflict-copy file name. */
export interface ConflictName {
  /** The conflict copy's own name (basename). */
  name: string;
  /** The original file name the copy belongs to (`hello.txt`). */
  original: string;
  /** `YYYYMMDD-HHMMSS` as written. */
  stamp: string;
  /** The stamp as a Date in the *local* time zone of this machine (Syncthing used its own). */
  date: Date;
  /** Short device ID of the winning version's modifier. */
  shortId: string;
}

const CONFLICT_RE = /^(.*)\.sync-conflict-(\d{8})-(\d{6})-([A-Z2-7]{7})(\..*)?$/;

/** Parses a basename; undefined when it is not a conflict copy. */
export function parseConflictName(name: string): ConflictName | undefined {
  const m = CONFLICT_RE.exec(name);
  if (!m) return undefined;
  const [, base = '', ymd = '', hms = '', shortId = '', ext = ''] = m;
  const date = new Date(
    Number(ymd.slice(0, 4)),
    Number(ymd.slice(4, 6)) - 1,
    Number(ymd.slice(6, 8)),
    Number(hms.slice(0, 2)),
    Number(hms.slice(2, 4)),
    Number(hms.slice(4, 6)),
  );
  return { name, original: base + ext, stamp: `${ymd}-${hms}`, date, shortId };
}

/** True when a basename is a conflict copy. */
export function isConflictName(name: string): boolean {
  return CONFLICT_RE.test(name);
}

/** A conflict copy found on disk. */
export interface ConflictFile extends ConflictName {
  /** Absolute path of the copy. */
  path: string;
  /** Path relative to the folder root, with `/` separators (as Syncthing reports paths). */
  relativePath: string;
  /** Relative path of the original file. */
  originalRelativePath: string;
}

/** Options of {@link findConflicts}. */
export interface FindConflictsOptions {
  /** Directory names not descended into. @default ['.stfolder', '.stversions', '.mesh-resolved'] */
  skip?: string[];
  /** Aborts the walk. */
  signal?: AbortSignal;
}

/**
 * Recursively finds conflict copies under a folder root. `.stfolder` and `.stversions` are
 * Syncthing's own; `.mesh-resolved` holds copies `mesh conflicts resolve` set aside, which keep
 * their conflict names but are no longer open conflicts.
 */
export async function findConflicts(
  root: string,
  options: FindConflictsOptions = {},
): Promise<ConflictFile[]> {
  const skip = new Set(options.skip ?? ['.stfolder', '.stversions', '.mesh-resolved']);
  const found: ConflictFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) await walk(full);
        continue;
      }
      const parsed = parseConflictName(entry.name);
      if (!parsed) continue;
      const rel = relative(root, full).split(sep).join('/');
      const relDir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      found.push({
        ...parsed,
        path: full,
        relativePath: rel,
        originalRelativePath: relDir + parsed.original,
      });
    }
  };
  await walk(root);
  // Code-unit order: the same under every locale, and no ICU collation tables in memory.
  return found.sort((a, b) =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
  );
}
