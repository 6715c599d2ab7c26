import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  chown,
  copyFile,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import path from 'node:path';
import { FileEditError } from '../errors.js';

/** How the previous content of an edited file is kept. */
export type BackupMode = 'mesh-bak' | 'timestamp' | false;

export interface WriteFileAtomicOptions {
  /** Mode of a newly created file; an existing file keeps its own mode. @default 0o644 */
  mode?: number;
  /** Keep the previous content as `FILE.mesh-bak` or `FILE.mesh-bak-<UTC timestamp>`. @default 'mesh-bak' */
  backup?: BackupMode;
  /** Report what would change without writing anything. @default false */
  dryRun?: boolean;
  /** Called with the candidate file (same directory) before it replaces the target; throw to abort. */
  validate?: (candidatePath: string) => Promise<void>;
}

export interface WriteFileResult {
  /** Whether the content differs from what was there (and, unless dryRun, was written). */
  changed: boolean;
  /** Where the previous content was saved, when a backup was made. */
  backupPath?: string;
  /** Whether the file existed before. */
  existed: boolean;
}

/** Whether `file` (a file, directory or anything else) exists and its path can be searched. */
export async function pathExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Reads a file as UTF-8, or `undefined` when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileEditError(file, 'cannot read', { cause: error });
  }
}

function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Writes `content` to `file` atomically: a temporary file in the same directory is written,
 * synced and renamed over the target, so a crash never leaves a half-written config. The
 * previous content is backed up first and the existing mode (and, as root, owner) is kept.
 * Nothing is written when the content is already identical.
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  options: WriteFileAtomicOptions = {},
): Promise<WriteFileResult> {
  const previous = await readIfExists(file);
  if (previous === content) return { changed: false, existed: true };
  if (options.dryRun) return { changed: true, existed: previous !== undefined };

  const dir = path.dirname(file);
  const info = previous === undefined ? undefined : await stat(file);
  const mode = info ? info.mode & 0o7777 : (options.mode ?? 0o644);
  const temp = path.join(dir, `.${path.basename(file)}.mesh-tmp-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(
      temp,
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
      mode,
    );
    try {
      await handle.writeFile(content, 'utf8');
      // umask may have narrowed the mode given to open(); set it exactly.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (info && process.getuid?.() === 0) await chown(temp, info.uid, info.gid);
    if (options.validate) await options.validate(temp);

    let backupPath: string | undefined;
    const backup = options.backup ?? 'mesh-bak';
    if (previous !== undefined && backup !== false) {
      backupPath = backup === 'timestamp' ? `${file}.mesh-bak-${timestamp()}` : `${file}.mesh-bak`;
      // A symlinked target is backed up by content; the link itself is replaced by rename.
      await lstat(file);
      await copyFile(file, backupPath);
    }
    await rename(temp, file);
    return {
      changed: true,
      existed: previous !== undefined,
      ...(backupPath ? { backupPath } : {}),
    };
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof FileEditError || (error as Error).name !== 'Error') throw error;
    throw new FileEditError(file, `cannot write: ${(error as Error).message}`, {
      cause: error,
      hint: 'run as a user allowed to write this file (often root)',
    });
  }
}
