/**
 * Installing Tailscale and Headscale from their release packages at a pinned version: the
 * checksum file first, then the package, verified, then the programs, each replaced atomically.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
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
  tailscaleRelease,
} from './release-sources.js';

/** Where the programs go when no `binDir` is given. */
export const RELEASE_INSTALL_DIR = '/usr/local/bin';

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
}

const TAR_TIMEOUT_MS = 120_000;
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
async function versionLine(
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

/** Copies `source` to `dest` as mode 0755 through a temporary file beside `dest`. */
async function installExecutable(source: string, dest: string): Promise<void> {
  const temp = path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.mesh-tmp-${randomBytes(4).toString('hex')}`,
  );
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

function binDirOf(options: InstallReleaseOptions): string {
  const binDir = options.binDir ?? RELEASE_INSTALL_DIR;
  if (!path.isAbsolute(binDir)) {
    throw new PlatformConfigError('binDir', `must be an absolute path, got "${binDir}"`, {
      hint: 'pass the directory the programs go in, like /usr/local/bin',
    });
  }
  return inRoot(options.root, binDir);
}

function downloadOptions(options: InstallReleaseOptions) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

/**
 * Installs `tailscale` and `tailscaled` of release `version` from a Tailscale static package
 * (`tailscale_<version>_<arch>.tgz`, verified against the `.sha256` beside it) into `binDir`,
 * mode 0755, each replaced atomically. Idempotent: when both are there and the first line of
 * `tailscale version` is `version`, nothing is downloaded and `changed` is false.
 */
export async function installTailscaleRelease(
  options: InstallReleaseOptions,
): Promise<InstallReleaseResult> {
  const release = tailscaleRelease(options);
  const runner = options.runner ?? createRunner();
  const dir = binDirOf(options);
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
    };
  }

  const sums = await downloadText({ url: release.checksumUrl, ...downloadOptions(options) });
  const sha256 = parseSha256File(sums, release.fileName, displayUrl(release.checksumUrl));
  const work = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'mesh-tailscale-'));
  try {
    const archive = path.join(work, release.fileName);
    await downloadVerified({
      url: release.url,
      sha256,
      dest: archive,
      ...downloadOptions(options),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    const out = path.join(work, 'unpacked');
    await mkdir(out);
    // Only the two members are unpacked: nothing else in the archive reaches the disk.
    await runChecked(
      runner,
      'tar',
      ['-xzf', archive, '-C', out, release.members.tailscaled, release.members.tailscale],
      {
        timeout: TAR_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        hint: `${release.fileName} is not a Tailscale package with ${release.members.tailscale} and ${release.members.tailscaled}`,
      },
    );
    await mkdir(dir, { recursive: true });
    // tailscaled first: `tailscale version` is what says the install is complete.
    await installExecutable(path.join(out, release.members.tailscaled), files.tailscaled);
    await installExecutable(path.join(out, release.members.tailscale), files.tailscale);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    changed: true,
    version: release.version,
    files,
    summary: `installed tailscale ${release.version} (${release.arch}) into ${dir}`,
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
  // The binary is the package: downloaded straight beside its place, renamed in when verified.
  await downloadVerified({
    url: release.url,
    sha256,
    dest: files.headscale,
    mode: 0o755,
    ...downloadOptions(options),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return {
    changed: true,
    version: release.version,
    files,
    summary: `installed headscale ${release.version} (${release.arch}) into ${dir}`,
  };
}
