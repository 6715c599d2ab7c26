/**
 * Installing Tailscale and Headscale from their release packages at a pinned version: the
 * checksum file first, then the package, verified, then the programs, each replaced atomically.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileEditError, PlatformConfigError } from '../errors.js';
import { inRoot } from '../internal/root.js';
import { createRunner, RunError, type Runner, runChecked } from '../runner.js';
import { type DownloadFetch, displayUrl, downloadText, downloadVerified } from './download.js';
import {
  checksumFor,
  headscaleRelease,
  parseSha256File,
  type ReleaseArch,
  type TailscaleRelease,
  tailscaleRelease,
} from './release-sources.js';

/** Where the programs go when no `binDir` is given. */
export const RELEASE_INSTALL_DIR = '/usr/local/bin';

/**
 * Where under `keepIn` the Tailscale packages are kept: the path of Tailscale's own stable
 * channel, so that the directory served over HTTP is a package source with the upstream layout.
 */
export const KEPT_TAILSCALE_PATH = 'tailscale/stable';

/** Options of {@link installTailscaleRelease} and {@link installHeadscaleRelease}. */
export interface InstallReleaseOptions {
  /** Release version, like `1.98.10` (a leading `v` is dropped). */
  version: string;
  /** The package source. @default the project's own download server */
  baseUrl?: string | undefined;
  /** Directory (a machine path) the programs are installed into. @default '/usr/local/bin' */
  binDir?: string | undefined;
  /** Directory standing for `/` (tests); `binDir` is resolved under it. @default '/' */
  root?: string | undefined;
  /** Runs `tar` and the installed programs' `version`. @default createRunner() */
  runner?: Runner | undefined;
  signal?: AbortSignal | undefined;
  /** @default releaseArch() (this machine's) */
  arch?: ReleaseArch | undefined;
  /** @default undici's `fetch` */
  fetch?: DownloadFetch | undefined;
  /** For the package download, in milliseconds. @default 300000 */
  timeoutMs?: number | undefined;
  /** Where the archive is downloaded and unpacked, then removed. @default os.tmpdir() */
  tempDir?: string | undefined;
  /**
   * Tailscale only: also keep the verified package and its `.sha256` in
   * `<keepIn>/tailscale/stable/` (the source's layout), each 0644 and replaced atomically, for
   * machines that install from this one. Files there already with the right digest are left as
   * they are. An absolute machine path, resolved under `root`. @default nothing is kept
   */
  keepIn?: string | undefined;
  /**
   * Command prefix that places the programs when this user cannot write `binDir`, like
   * `SUDO_PREFIX` (`sudo -n`): the download, the checksum and the unpacking run as this user;
   * only the final copy and rename run through `runner` behind this prefix. @default none
   */
  privileged?: readonly string[] | undefined;
}

/** What an install did. */
export interface InstallReleaseResult {
  /** False when the wanted version was already there and nothing was downloaded. */
  changed: boolean;
  version: string;
  /** The installed programs, by name (absolute paths, under `root`). */
  files: Record<string, string>;
  /** One line saying what happened, for a log. */
  summary: string;
  /**
   * The files this run wrote under `keepIn` (absolute paths, under `root`): none when nothing
   * was downloaded or both were there already. Present only when `keepIn` was given.
   */
  kept?: string[];
}

export const TAR_TIMEOUT_MS = 120_000;
const VERSION_TIMEOUT_MS = 15_000;

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * The first line `file args` prints, or undefined when it is missing, cannot run or fails: any
 * of those means "install it". An abort still aborts.
 */
export async function versionLine(
  runner: Runner,
  file: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (!(await isExecutable(file))) return undefined;
  try {
    const r = await runner.run(file, args, {
      timeout: VERSION_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    return r.exitCode === 0 ? r.stdout.split('\n')[0]?.trim() : undefined;
  } catch (error) {
    if (error instanceof RunError) return undefined;
    throw error;
  }
}

/** Puts verified programs in place: directly, or behind a privileged prefix (`sudo -n`). */
export interface Placer {
  mkdir(dir: string): Promise<void>;
  /** Copies `source` to `dest` with mode 0755, replacing it atomically. */
  place(source: string, dest: string): Promise<void>;
}

export function placerOf(options: InstallReleaseOptions, runner: Runner): Placer {
  const prefix = options.privileged ?? [];
  if (prefix.length === 0)
    return {
      mkdir: (dir) => mkdir(dir, { recursive: true }).then(() => undefined),
      place: installExecutable,
    };
  const [file, ...before] = prefix as [string, ...string[]];
  const run = async (args: string[], dir: string) => {
    await runChecked(runner, file, [...before, ...args], {
      timeout: 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
      hint: `${prefix.join(' ')} must be allowed to write ${dir} (or run as root)`,
    });
  };
  return {
    mkdir: (dir) => run(['mkdir', '-p', dir], dir),
    place: async (source, dest) => {
      const temp = tempBeside(dest);
      try {
        await run(['install', '-m', '0755', source, temp], path.dirname(dest));
        await run(['mv', '-f', temp, dest], path.dirname(dest));
      } catch (error) {
        await runner
          .run(file, [...before, 'rm', '-f', temp], { timeout: 10_000 })
          .catch(() => undefined);
        throw error;
      }
    },
  };
}

function tempBeside(dest: string): string {
  return path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.mesh-tmp-${randomBytes(4).toString('hex')}`,
  );
}

/** Copies `source` to `dest` as mode 0755 through a temporary file beside `dest`. */
async function installExecutable(source: string, dest: string): Promise<void> {
  const temp = tempBeside(dest);
  try {
    await copyFile(source, temp);
    // Set exactly: the umask may have narrowed the copy's mode.
    await chmod(temp, 0o755);
    await rename(temp, dest);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new FileEditError(dest, `cannot install: ${(cause as NodeJS.ErrnoException).code}`, {
      cause,
      hint: 'run as a user allowed to write there (often root)',
    });
  }
}

export function keepDirOf(options: InstallReleaseOptions, keepIn: string): string {
  if (!path.isAbsolute(keepIn)) {
    throw new PlatformConfigError('keepIn', `must be an absolute path, got "${keepIn}"`, {
      hint: 'pass the directory the packages are kept in, like /var/lib/mesh/packages',
    });
  }
  return inRoot(options.root, keepIn);
}

export function binDirOf(options: InstallReleaseOptions): string {
  const binDir = options.binDir ?? RELEASE_INSTALL_DIR;
  if (!path.isAbsolute(binDir)) {
    throw new PlatformConfigError('binDir', `must be an absolute path, got "${binDir}"`, {
      hint: 'pass the directory the programs go in, like /usr/local/bin',
    });
  }
  return inRoot(options.root, binDir);
}

/**
 * Keeps the verified `archive` as `dest` (its directory created 0755) unless a file with its
 * digest is there already; returns `[dest]` when it wrote it. Called before the checksum file is
 * kept: a reader never finds a checksum whose package is missing.
 */
export async function keepArchive(
  dest: string,
  archive: string,
  sha256: string,
): Promise<string[]> {
  const dir = path.dirname(dest);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (cause) {
    throw new FileEditError(dir, `cannot create: ${(cause as NodeJS.ErrnoException).code}`, {
      cause,
      hint: 'run as a user allowed to write there (often root)',
    });
  }
  if ((await fileSha256(dest)) === sha256) return [];
  await keepFile(dest, (temp) => copyFile(archive, temp, constants.COPYFILE_EXCL));
  return [dest];
}

/** Writes `dest` through a temporary file beside it: mode 0644, then renamed over it. */
export async function keepFile(
  dest: string,
  write: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = tempBeside(dest);
  try {
    await write(temp);
    await chmod(temp, 0o644);
    await rename(temp, dest);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new FileEditError(dest, `cannot keep: ${(cause as NodeJS.ErrnoException).code}`, {
      cause,
      hint: 'run as a user allowed to write there (often root), with free disk space',
    });
  }
}

/** The SHA-256 of `file`, hex; undefined when it cannot be read. */
export async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/** Whether `file` is a checksum file that gives `sha256` for `fileName`. */
async function sumFileGives(file: string, fileName: string, sha256: string): Promise<boolean> {
  try {
    return parseSha256File(await readFile(file, 'utf8'), fileName) === sha256;
  } catch {
    return false;
  }
}

/**
 * Keeps the verified `archive` and its checksum in `<dir>/tailscale/stable/`; returns the files
 * it wrote. A file there already with the right digest is kept as it is.
 */
async function keepTailscalePackage(
  dir: string,
  release: TailscaleRelease,
  archive: string,
  sha256: string,
): Promise<string[]> {
  const kept = path.join(dir, ...KEPT_TAILSCALE_PATH.split('/'));
  const tgz = path.join(kept, release.fileName);
  const sum = `${tgz}.sha256`;
  const wrote = await keepArchive(tgz, archive, sha256);
  if (!(await sumFileGives(sum, release.fileName, sha256))) {
    // Tailscale's own form: the hex digest alone.
    await keepFile(sum, (temp) => writeFile(temp, `${sha256}\n`, { flag: 'wx', mode: 0o644 }));
    wrote.push(sum);
  }
  return wrote;
}

export function downloadOptions(options: InstallReleaseOptions) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

/** What {@link fetchArchive} fetches: a release archive, its checksum file and the members wanted. */
export interface ArchiveSource {
  fileName: string;
  url: string;
  checksumUrl: string;
  /** The archive's digest from the checksum file's text (`source` names the file in errors). */
  digest: (sums: string, source: string) => string;
  /** Paths inside the archive to unpack; nothing else reaches the disk. */
  members: string[];
  /** What a failed unpack says: the archive lacks those members. */
  hint: string;
}

/**
 * Downloads `a`'s checksum file, then the archive into `work`, verified against it, and unpacks
 * only `a.members` into `work/unpacked`.
 */
export async function fetchArchive(
  options: InstallReleaseOptions,
  runner: Runner,
  work: string,
  a: ArchiveSource,
): Promise<{ archive: string; unpacked: string; sha256: string; sums: string }> {
  const sums = await downloadText({ url: a.checksumUrl, ...downloadOptions(options) });
  const sha256 = a.digest(sums, displayUrl(a.checksumUrl));
  const archive = path.join(work, a.fileName);
  await downloadVerified({
    url: a.url,
    sha256,
    dest: archive,
    ...downloadOptions(options),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const unpacked = path.join(work, 'unpacked');
  await mkdir(unpacked);
  await runChecked(runner, 'tar', ['-xzf', archive, '-C', unpacked, ...a.members], {
    timeout: TAR_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    hint: a.hint,
  });
  return { archive, unpacked, sha256, sums };
}

/**
 * Installs `tailscale` and `tailscaled` of release `version` from a Tailscale static package
 * (`tailscale_<version>_<arch>.tgz`, verified against the `.sha256` beside it) into `binDir`,
 * mode 0755, each replaced atomically. Idempotent: when both are there and the first line of
 * `tailscale version` is `version`, nothing is downloaded and `changed` is false. With `keepIn`,
 * a package it downloads is also kept there for other machines (see {@link KEPT_TAILSCALE_PATH}).
 */
export async function installTailscaleRelease(
  options: InstallReleaseOptions,
): Promise<InstallReleaseResult> {
  const release = tailscaleRelease(options);
  const runner = options.runner ?? createRunner();
  const dir = binDirOf(options);
  const keepDir = options.keepIn === undefined ? undefined : keepDirOf(options, options.keepIn);
  const files = {
    tailscale: path.join(dir, 'tailscale'),
    tailscaled: path.join(dir, 'tailscaled'),
  };

  const found = await versionLine(runner, files.tailscale, ['version'], options.signal);
  if (found === release.version && (await isExecutable(files.tailscaled))) {
    return {
      changed: false,
      version: release.version,
      files,
      summary: `tailscale ${release.version} is already installed in ${dir}`,
      ...(keepDir === undefined ? {} : { kept: [] }),
    };
  }

  const work = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'mesh-tailscale-'));
  let kept: string[] = [];
  try {
    const {
      archive,
      unpacked: out,
      sha256,
    } = await fetchArchive(options, runner, work, {
      ...release,
      digest: (sums, source) => parseSha256File(sums, release.fileName, source),
      members: [release.members.tailscaled, release.members.tailscale],
      hint: `${release.fileName} is not a Tailscale package with ${release.members.tailscale} and ${release.members.tailscaled}`,
    });
    // Kept once it is known to hold both programs, and before they are installed: a failure
    // here leaves the install to do again, so the next run keeps the package too.
    if (keepDir !== undefined) kept = await keepTailscalePackage(keepDir, release, archive, sha256);
    const placer = placerOf(options, runner);
    await placer.mkdir(dir);
    // tailscaled first: `tailscale version` is what says the install is complete.
    await placer.place(path.join(out, release.members.tailscaled), files.tailscaled);
    await placer.place(path.join(out, release.members.tailscale), files.tailscale);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    changed: true,
    version: release.version,
    files,
    summary: `installed tailscale ${release.version} (${release.arch}) into ${dir}`,
    ...(keepDir === undefined ? {} : { kept }),
  };
}

/** `0.29.2` from `headscale version v0.29.2` (0.29) or `v0.26.1` (earlier releases). */
function headscaleVersionOf(line: string | undefined): string | undefined {
  return /(?:^|\s)v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$/.exec(line ?? '')?.[1];
}

/**
 * Installs the `headscale` binary of release `version` (verified against its line in the
 * release's `checksums.txt`; a file the list lacks is an error) into `binDir`, mode 0755,
 * atomically. Idempotent: when `headscale version` says `version`, nothing is downloaded and
 * `changed` is false.
 */
export async function installHeadscaleRelease(
  options: InstallReleaseOptions,
): Promise<InstallReleaseResult> {
  const release = headscaleRelease(options);
  const runner = options.runner ?? createRunner();
  const dir = binDirOf(options);
  const files = { headscale: path.join(dir, 'headscale') };

  const found = await versionLine(runner, files.headscale, ['version'], options.signal);
  if (headscaleVersionOf(found) === release.version) {
    return {
      changed: false,
      version: release.version,
      files,
      summary: `headscale ${release.version} is already installed in ${dir}`,
    };
  }

  const sums = await downloadText({ url: release.checksumUrl, ...downloadOptions(options) });
  const sha256 = checksumFor(sums, release.fileName, displayUrl(release.checksumUrl));
  const download = {
    url: release.url,
    sha256,
    mode: 0o755,
    ...downloadOptions(options),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  if ((options.privileged ?? []).length === 0) {
    // The binary is the package: downloaded straight beside its place, renamed in when verified.
    await downloadVerified({ ...download, dest: files.headscale });
  } else {
    const work = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'mesh-headscale-'));
    try {
      await downloadVerified({ ...download, dest: path.join(work, 'headscale') });
      const placer = placerOf(options, runner);
      await placer.mkdir(dir);
      await placer.place(path.join(work, 'headscale'), files.headscale);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return {
    changed: true,
    version: release.version,
    files,
    summary: `installed headscale ${release.version} (${release.arch}) into ${dir}`,
  };
}
