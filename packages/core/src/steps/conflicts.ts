/**
 * `mesh conflicts` and `mesh conflicts resolve`: Syncthing's conflict copies in the shared
 * folder, who made them, and settling each pair without ever deleting a version. The version
 * not kept moves to `<shared folder>/.mesh-resolved/<timestamp>/<relative path>`, which the
 * default `.stignore` keeps out of sync (and so out of Syncthing's versioning): it stays on
 * this machine until the user deletes it.
 */
import { randomBytes } from 'node:crypto';
import {
  copyFile,
  constants as fsConstants,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { type ConflictFile, findConflicts, parseConflictName } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { isMeshError, MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { SHARED_FOLDER_ID } from './constants.js';
import { setupCommandFor } from './status/types.js';
import { connectSyncthing } from './syncthing.js';

/** The folder, under the shared folder, that holds the versions a resolve did not keep. */
export const RESOLVED_DIR = '.mesh-resolved';

/** What `--keep` accepts. */
export const CONFLICT_KEEP_CHOICES = ['mine', 'theirs', 'newest', 'both'] as const;

/**
 * Which version of a conflict stays: `mine` the original as it is, `theirs` the copy's content
 * in the original's place, `newest` whichever has the later mtime, `both` the original plus the
 * copy under a name that is no longer a conflict copy.
 */
export type ConflictKeep = (typeof CONFLICT_KEEP_CHOICES)[number];

/**
 * Maps 7-character short device IDs to device names. A rejection means "names unknown": the
 * short IDs are shown instead.
 */
export type DeviceNameLookup = () => Promise<ReadonlyMap<string, string>>;

/**
 * The device each conflict copy was made on, by the copy's path relative to the folder: the
 * short ID of its last modifier in Syncthing's index (the name carries the winner's ID instead).
 */
export type CopyAuthorLookup = (copies: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** One conflict copy, as `mesh conflicts` shows it. Paths are relative, with `/`. */
export interface ConflictCopy {
  /** The conflict copy. */
  copy: string;
  /** The file the copy belongs to. */
  original: string;
  /**
   * The device whose version won and now sits at the original's name, per the copy's name
   * (Syncthing names a copy after the winner).
   */
  winner: { shortId: string; name: string | null };
  /**
   * The device the copy was made on, from Syncthing's index; null when Syncthing did not answer
   * or does not know the copy yet. That device had the losing version when the conflict reached
   * it: in a conflict between two devices, the one whose change lost; a third device that had
   * passed the losing version on makes a copy of its own, so Syncthing records no more than this.
   */
  madeOn: { shortId: string; name: string | null } | null;
  /**
   * The time in the copy's name, read as this machine's local time (Syncthing wrote the local
   * wall clock of the device that made the copy), as ISO 8601.
   */
  madeAt: string;
  /** Size of the copy, bytes. */
  copyBytes: number;
  /** Size of the original, bytes; null when there is no original (it was deleted). */
  originalBytes: number | null;
}

/** `mesh conflicts`: the shared folder's open conflict copies. */
export interface ConflictList {
  folder: string;
  /** False when Syncthing did not answer: names are null and `madeOn` is null everywhere. */
  deviceNamesKnown: boolean;
  conflicts: ConflictCopy[];
}

export interface ListConflictCopiesOptions {
  /** @default the device list of this machine's Syncthing */
  deviceNames?: DeviceNameLookup;
  /** @default Syncthing's index of the shared folder */
  copyAuthors?: CopyAuthorLookup;
}

/** Lists the conflict copies of the shared folder with device names, times and sizes. */
export async function listConflictCopies(
  ctx: MeshContext,
  options: ListConflictCopiesOptions = {},
): Promise<ConflictList> {
  const folder = await requireSharedFolder(ctx);
  try {
    const found = await findConflicts(folder, ctx.signal ? { signal: ctx.signal } : {});
    // Syncthing is asked only when there is something to name.
    const names =
      found.length === 0
        ? { map: new Map<string, string>(), known: true }
        : await lookUp(options.deviceNames ?? syncthingNames(ctx));
    const authors =
      found.length === 0 || !names.known
        ? new Map<string, string>()
        : await (options.copyAuthors ?? syncthingAuthors(ctx))(
            found.map((f) => f.relativePath),
          ).catch(() => new Map<string, string>());
    const conflicts: ConflictCopy[] = [];
    for (const f of found) {
      const copyStat = await stat(f.path);
      const originalStat = await statOrNull(path.join(folder, f.originalRelativePath));
      conflicts.push(
        describeCopy(f, names.map, authors, copyStat.size, originalStat?.size ?? null),
      );
    }
    return { folder, deviceNamesKnown: names.known, conflicts };
  } catch (error) {
    throw toMeshError(error, `reading ${folder}`);
  }
}

export interface ResolveConflictsOptions {
  /** A conflict copy or an original, relative to the shared folder or absolute inside it. */
  path?: string | undefined;
  /** Every conflict copy in the shared folder (instead of `path`). @default false */
  all?: boolean | undefined;
  keep: ConflictKeep;
  /** Say what would happen and change nothing. @default false */
  dryRun?: boolean | undefined;
  /** @default the device list of this machine's Syncthing */
  deviceNames?: DeviceNameLookup;
  /** @default Syncthing's index of the shared folder */
  copyAuthors?: CopyAuthorLookup;
  /** The clock that names the `.mesh-resolved/<timestamp>` folder. @default () => new Date() */
  now?: () => Date;
}

/** What became of one conflict copy. Paths are relative to the shared folder, with `/`. */
export interface ConflictResolution extends ConflictCopy {
  /** `newest` resolves to `original` or `copy`. */
  kept: 'original' | 'copy' | 'both';
  /** The version not kept and where it went (under `.mesh-resolved/`); null for `both`. */
  setAside: { version: 'original' | 'copy'; to: string } | null;
  /** `both`: the copy's new name. */
  renamedTo: string | null;
}

export interface ResolveConflictsResult {
  folder: string;
  keep: ConflictKeep;
  dryRun: boolean;
  /** False for a dry run and for a no-op. */
  changed: boolean;
  /** Why nothing was to be done (e.g. already resolved); null when something was. */
  nothingToDo: string | null;
  /** The `.mesh-resolved/<timestamp>` folder of this run, relative; null when nothing set aside. */
  archive: string | null;
  /** True when `.stignore` lacked the `.mesh-resolved` line and got it (or would). */
  stignoreUpdated: boolean;
  resolutions: ConflictResolution[];
}

/**
 * Resolves one conflict (or one original's copies, or all of them with `all`). Copies of one
 * original are taken oldest name first, so with `theirs` the latest copy ends in place and the
 * earlier contents are all in `.mesh-resolved`. Every rename stays in the shared folder, so
 * each step is atomic; a file set aside is copied to a temporary name beside its destination
 * and renamed into place.
 */
export async function resolveConflicts(
  ctx: MeshContext,
  options: ResolveConflictsOptions,
): Promise<ResolveConflictsResult> {
  const folder = await requireSharedFolder(ctx);
  const keep = options.keep;
  if (!(CONFLICT_KEEP_CHOICES as readonly string[]).includes(keep)) {
    throw new MeshError(`Unknown --keep ${String(keep)}`, {
      kind: 'badInput',
      hint: `choose one of ${CONFLICT_KEEP_CHOICES.join(', ')}`,
    });
  }
  const all = options.all === true;
  if (all === (options.path !== undefined)) {
    throw new MeshError(
      all ? 'Give a PATH or --all, not both' : 'Name the conflict to resolve, or give --all',
      {
        kind: 'badInput',
        hint: 'mesh conflicts resolve PATH --keep mine|theirs|newest|both, or mesh conflicts resolve --all --keep newest',
      },
    );
  }
  const dryRun = options.dryRun === true;
  const result: ResolveConflictsResult = {
    folder,
    keep,
    dryRun,
    changed: false,
    nothingToDo: null,
    archive: null,
    stignoreUpdated: false,
    resolutions: [],
  };
  try {
    const picked =
      options.path === undefined
        ? await allCopies(folder, ctx.signal)
        : await copiesFor(folder, options.path);
    if (typeof picked === 'string') return { ...result, nothingToDo: picked };
    if (picked.length === 0) {
      return { ...result, nothingToDo: `No conflict copies in ${folder}: nothing to resolve` };
    }
    const names = await lookUp(options.deviceNames ?? syncthingNames(ctx));
    const authors = names.known
      ? await (options.copyAuthors ?? syncthingAuthors(ctx))(
          picked.map((f) => f.relativePath),
        ).catch(() => new Map<string, string>())
      : new Map<string, string>();
    const archive = `${RESOLVED_DIR}/${archiveStamp((options.now ?? (() => new Date()))())}`;
    const plan = new Planner(folder, dryRun);
    for (const f of picked) {
      const copyStat = await stat(f.path);
      const original = await plan.original(f.originalRelativePath);
      const copy = describeCopy(f, names.map, authors, copyStat.size, original?.size ?? null);
      const keeps: 'original' | 'copy' | 'both' =
        keep === 'mine'
          ? 'original'
          : keep === 'theirs'
            ? 'copy'
            : keep === 'both'
              ? 'both'
              : original == null || copyStat.mtimeMs > original.mtimeMs
                ? 'copy'
                : 'original';
      if (keeps === 'both') {
        const renamedTo = await plan.rename(f.relativePath, bothName(f));
        result.resolutions.push({ ...copy, kept: 'both', setAside: null, renamedTo });
      } else if (keeps === 'original') {
        const to = await plan.moveAside(f.relativePath, `${archive}/${f.relativePath}`);
        result.resolutions.push({
          ...copy,
          kept: 'original',
          setAside: { version: 'copy', to },
          renamedTo: null,
        });
      } else {
        const setAside =
          original == null
            ? null
            : {
                version: 'original' as const,
                to: await plan.copyAside(
                  f.originalRelativePath,
                  `${archive}/${f.originalRelativePath}`,
                ),
              };
        await plan.replace(f.relativePath, f.originalRelativePath, {
          size: copyStat.size,
          mtimeMs: copyStat.mtimeMs,
        });
        result.resolutions.push({ ...copy, kept: 'copy', setAside, renamedTo: null });
      }
    }
    if (result.resolutions.some((r) => r.setAside)) {
      result.archive = archive;
      result.stignoreUpdated = await ensureIgnored(folder, dryRun);
    }
    result.changed = !dryRun;
    return result;
  } catch (error) {
    if (isMeshError(error)) throw error;
    throw toMeshError(error, `resolving conflicts in ${folder}`);
  }
}

/** The device names Syncthing knows, by short ID. */
function syncthingNames(ctx: MeshContext): DeviceNameLookup {
  return async () => {
    const st = await connectSyncthing(ctx);
    const devices = await st.client.config.devices.list({ timeout: 3000 });
    const names = new Map<string, string>();
    for (const d of devices) if (d.name) names.set(d.deviceID.slice(0, 7), d.name);
    return names;
  };
}

async function lookUp(
  lookup: DeviceNameLookup,
): Promise<{ map: ReadonlyMap<string, string>; known: boolean }> {
  try {
    return { map: await lookup(), known: true };
  } catch {
    // Names are a convenience: a stopped or unconfigured Syncthing leaves the short IDs.
    return { map: new Map(), known: false };
  }
}

/** Who last changed each copy, per Syncthing's index of the shared folder. */
function syncthingAuthors(ctx: MeshContext): CopyAuthorLookup {
  return async (copies) => {
    const st = await connectSyncthing(ctx);
    const authors = new Map<string, string>();
    for (const copy of copies) {
      const record = await st.client.db
        .file(SHARED_FOLDER_ID, copy, { timeout: 3000 })
        .catch(() => undefined);
      const by = record?.global?.modifiedBy ?? record?.local?.modifiedBy;
      if (by) authors.set(copy, by.slice(0, 7));
    }
    return authors;
  };
}

function describeCopy(
  f: ConflictFile,
  names: ReadonlyMap<string, string>,
  authors: ReadonlyMap<string, string>,
  copyBytes: number,
  originalBytes: number | null,
): ConflictCopy {
  const author = authors.get(f.relativePath);
  return {
    copy: f.relativePath,
    original: f.originalRelativePath,
    winner: { shortId: f.shortId, name: names.get(f.shortId) ?? null },
    madeOn: author === undefined ? null : { shortId: author, name: names.get(author) ?? null },
    madeAt: f.date.toISOString(),
    copyBytes,
    originalBytes,
  };
}

async function statOrNull(p: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const s = await stat(p);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Copies of one original in time order, so sequential `theirs` leaves the latest in place. */
function inResolveOrder(files: ConflictFile[]): ConflictFile[] {
  return [...files].sort(
    (a, b) =>
      a.originalRelativePath.localeCompare(b.originalRelativePath) ||
      a.stamp.localeCompare(b.stamp) ||
      a.relativePath.localeCompare(b.relativePath),
  );
}

async function allCopies(folder: string, signal: AbortSignal | undefined): Promise<ConflictFile[]> {
  return inResolveOrder(await findConflicts(folder, signal ? { signal } : {}));
}

/**
 * The conflict copies PATH names: itself when it is a copy, else every copy of it. A string is
 * the reason there is nothing to do.
 */
async function copiesFor(folder: string, given: string): Promise<ConflictFile[] | string> {
  const rel = await relativeInside(folder, given);
  const dirRel = path.posix.dirname(rel) === '.' ? '' : `${path.posix.dirname(rel)}/`;
  const base = path.posix.basename(rel);
  const parsed = parseConflictName(base);
  const abs = path.join(folder, ...rel.split('/'));
  if (parsed) {
    const file: ConflictFile = {
      ...parsed,
      path: abs,
      relativePath: rel,
      originalRelativePath: dirRel + parsed.original,
    };
    if ((await statOrNull(abs)) != null) return [file];
    if ((await statOrNull(path.join(folder, file.originalRelativePath))) != null) {
      return `${rel} is gone and ${file.originalRelativePath} is in place: already resolved, nothing to do`;
    }
    throw notFound(rel, folder);
  }
  let entries: string[];
  try {
    entries = await readdir(path.dirname(abs));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(rel, folder);
    throw error;
  }
  const copies: ConflictFile[] = [];
  for (const name of entries) {
    const p = parseConflictName(name);
    if (p?.original !== base) continue;
    copies.push({
      ...p,
      path: path.join(path.dirname(abs), name),
      relativePath: dirRel + name,
      originalRelativePath: rel,
    });
  }
  if (copies.length > 0) return inResolveOrder(copies);
  if ((await statOrNull(abs)) != null) {
    return `${rel} has no conflict copies: already resolved, nothing to do`;
  }
  throw notFound(rel, folder);
}

function notFound(rel: string, folder: string): MeshError {
  return new MeshError(`No file ${rel} in ${folder}, and no conflict copy of it`, {
    kind: 'badInput',
    hint: 'name a file relative to the shared folder (or absolute inside it); mesh conflicts lists them',
  });
}

/** PATH relative to the shared folder (with `/`), or a refusal when it is not inside it. */
async function relativeInside(folder: string, given: string): Promise<string> {
  const abs = path.resolve(folder, given);
  // The folder may be reached through a symlink (/opt/shared -> /data/shared); compare real
  // paths too, so its real spelling is accepted and a symlink out of it is not.
  const realFolder = await realpath(folder).catch(() => path.resolve(folder));
  const realAbs = await realpath(abs).catch(async () =>
    path.join(await realpath(path.dirname(abs)).catch(() => path.dirname(abs)), path.basename(abs)),
  );
  let rel = within(realFolder, realAbs);
  if (rel === undefined && (await lstat(abs).catch(() => undefined)) === undefined) {
    // Nothing there to follow out of the folder: the spelling alone decides.
    rel = within(path.resolve(folder), abs);
  }
  if (rel === undefined) {
    throw new MeshError(`${given} is not inside the shared folder ${folder}`, {
      kind: 'badInput',
      hint: 'name a file relative to the shared folder, or an absolute path inside it',
    });
  }
  if (rel.split('/')[0] === RESOLVED_DIR) {
    throw new MeshError(`${given} is in ${RESOLVED_DIR}, where resolved versions are kept`, {
      kind: 'badInput',
      hint: `copy it back by hand if you want it; ${RESOLVED_DIR} is not synced`,
    });
  }
  return rel;
}

function within(root: string, p: string): string | undefined {
  const rel = path.relative(root, p);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return undefined;
  }
  return rel.split(path.sep).join('/');
}

/** `2026-01-02T03-04-05.678Z`: sortable, and valid on Windows (no colons). */
function archiveStamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-');
}

/** `notes (conflict laptop 2024-01-01 12-00-00).txt`: a plain name, no longer a conflict copy. */
/** The copy's plain name for `both`: the date only, since the copy's author is not recorded. */
function bothName(f: ConflictFile): string {
  const ext = f.name.slice(f.name.lastIndexOf(`-${f.shortId}`) + f.shortId.length + 1);
  const stem = f.original.slice(0, f.original.length - ext.length);
  const s = f.stamp;
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(9, 11)}-${s.slice(11, 13)}-${s.slice(13, 15)}`;
  const dir = path.posix.dirname(f.relativePath);
  return `${dir === '.' ? '' : `${dir}/`}${stem} (conflict ${date})${ext}`;
}

/**
 * Carries out (or, in a dry run, only records) the moves, keeping a view of what the folder
 * would look like so later steps of the same run see earlier ones.
 */
class Planner {
  private readonly taken = new Set<string>();
  private readonly originals = new Map<string, { size: number; mtimeMs: number } | null>();

  constructor(
    private readonly folder: string,
    private readonly dryRun: boolean,
  ) {}

  private abs(rel: string): string {
    return path.join(this.folder, ...rel.split('/'));
  }

  async original(rel: string): Promise<{ size: number; mtimeMs: number } | null> {
    if (!this.originals.has(rel)) this.originals.set(rel, await statOrNull(this.abs(rel)));
    return this.originals.get(rel) ?? null;
  }

  /** `rel`, or `name (2).ext`… when that is taken on disk or earlier in this run. */
  private async free(rel: string): Promise<string> {
    const ext = path.posix.extname(rel);
    const stem = rel.slice(0, rel.length - ext.length);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? rel : `${stem} (${n})${ext}`;
      if (this.taken.has(candidate)) continue;
      if ((await lstat(this.abs(candidate)).catch(() => undefined)) !== undefined) continue;
      this.taken.add(candidate);
      return candidate;
    }
  }

  async rename(from: string, to: string): Promise<string> {
    const dest = await this.free(to);
    if (!this.dryRun) await rename(this.abs(from), this.abs(dest));
    return dest;
  }

  async moveAside(from: string, to: string): Promise<string> {
    const dest = await this.free(to);
    if (this.dryRun) return dest;
    await mkdir(path.dirname(this.abs(dest)), { recursive: true });
    try {
      await rename(this.abs(from), this.abs(dest));
    } catch (error) {
      // .mesh-resolved on another file system (a mount inside the shared folder).
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyAtomic(this.abs(from), this.abs(dest));
      await unlink(this.abs(from));
    }
    return dest;
  }

  /** Copies, so the original's path is never empty while the copy takes its place. */
  async copyAside(from: string, to: string): Promise<string> {
    const dest = await this.free(to);
    if (this.dryRun) return dest;
    await mkdir(path.dirname(this.abs(dest)), { recursive: true });
    await copyAtomic(this.abs(from), this.abs(dest));
    return dest;
  }

  /** The copy takes the original's place (rename replaces atomically). */
  async replace(
    copy: string,
    original: string,
    now: { size: number; mtimeMs: number },
  ): Promise<void> {
    if (!this.dryRun) await rename(this.abs(copy), this.abs(original));
    this.originals.set(original, now);
  }
}

/**
 * A temporary name beside `dest`. Syncthing's own temporary-file pattern (`.syncthing.*.tmp`,
 * syncthing/syncthing lib/fs/tempname.go) keeps its scanner from ever syncing it.
 */
function tempBeside(dest: string): string {
  const rand = randomBytes(4).toString('hex');
  return path.join(path.dirname(dest), `.syncthing.${path.basename(dest)}.mesh-${rand}.tmp`);
}

/** Copies with the source's mtime (so a later `newest` still compares the right times). */
async function copyAtomic(src: string, dest: string): Promise<void> {
  const tmp = tempBeside(dest);
  try {
    await copyFile(src, tmp, fsConstants.COPYFILE_EXCL);
    const s = await stat(src);
    await utimes(tmp, s.atime, s.mtime);
    await rename(tmp, dest);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/**
 * Makes the shared folder's `.stignore` ignore `.mesh-resolved`: setup writes it only when
 * missing, so folders set up before the line was in the defaults lack it. True when it was
 * (or, in a dry run, would be) added.
 */
async function ensureIgnored(folder: string, dryRun: boolean): Promise<boolean> {
  const file = path.join(folder, '.stignore');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines.includes(RESOLVED_DIR) || lines.includes(`/${RESOLVED_DIR}`)) return false;
  if (dryRun) return true;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  const tmp = tempBeside(file);
  try {
    await writeFile(
      tmp,
      `${text}${sep}// Versions mesh conflicts resolve set aside (they stay on this machine)\n${RESOLVED_DIR}\n`,
    );
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  return true;
}

/** The shared folder, or a `badInput` error saying this machine is not set up when there is none. */
async function requireSharedFolder(ctx: MeshContext): Promise<string> {
  const folder = ctx.paths.sharedFolder;
  try {
    await stat(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return folder;
    throw new MeshError(`There is no shared folder yet at ${folder}`, {
      kind: 'badInput',
      cause: error,
      hint: `set this machine up first with \`${setupCommandFor(ctx)}\`, or point MESH_SHARED_FOLDER_LINUX at the shared folder`,
    });
  }
  return folder;
}
