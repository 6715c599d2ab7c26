/**
 * Installing Syncthing from its release archive at a pinned version, verified against the
 * release's checksum list, for machines whose package manager has none.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunner } from '../runner.js';
import {
  binDirOf,
  fetchArchive,
  type InstallReleaseOptions,
  type InstallReleaseResult,
  keepArchive,
  keepDirOf,
  keepFile,
  placerOf,
  versionLine,
} from './install-release.js';
import { checksumFor, type SyncthingRelease, syncthingRelease } from './release-sources.js';

/** Where under `keepIn` the Syncthing archives are kept: the releases' own layout below it. */
export const KEPT_SYNCTHING_PATH = 'syncthing';

/** `1.30.0` from `syncthing v1.30.0 "Gold Grasshopper" (go1.24.4 linux-amd64) ...`. */
export function syncthingVersionOf(line: string | undefined): string | undefined {
  return /^syncthing v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)[\s-]/.exec(`${line ?? ''} `)?.[1];
}

/**
 * Keeps the verified archive and the release's checksum file, as it came, in
 * `<dir>/syncthing/v<version>/`; returns the files it wrote (none when both were there).
 */
async function keepSyncthingRelease(
  dir: string,
  release: SyncthingRelease,
  archive: string,
  sha256: string,
  sums: string,
): Promise<string[]> {
  const kept = path.join(dir, KEPT_SYNCTHING_PATH, `v${release.version}`);
  const tgz = path.join(kept, release.fileName);
  const list = path.join(kept, path.posix.basename(new URL(release.checksumUrl).pathname));
  const wrote = await keepArchive(tgz, archive, sha256);
  let listed: string | undefined;
  try {
    listed = checksumFor(await readFile(list, 'utf8'), release.fileName);
  } catch {
    listed = undefined;
  }
  if (listed !== sha256) {
    await keepFile(list, (temp) => writeFile(temp, sums, { flag: 'wx' }));
    wrote.push(list);
  }
  return wrote;
}

/**
 * Installs `syncthing` of release `version` from its Linux archive
 * (`syncthing-linux-<arch>-v<version>.tar.gz`, verified against the release's
 * `sha256sum.txt.asc`) into `binDir`, mode 0755, replaced atomically. Idempotent: when
 * `syncthing --version` names `version`, nothing is downloaded and `changed` is false. With
 * `keepIn`, a downloaded archive is kept there for other machines, in the releases' layout.
 */
export async function installSyncthingRelease(
  options: InstallReleaseOptions,
): Promise<InstallReleaseResult> {
  const release = syncthingRelease(options);
  const runner = options.runner ?? createRunner();
  const dir = binDirOf(options);
  const keepDir = options.keepIn === undefined ? undefined : keepDirOf(options, options.keepIn);
  const files = { syncthing: path.join(dir, 'syncthing') };

  const found = await versionLine(runner, files.syncthing, ['--version'], options.signal);
  if (syncthingVersionOf(found) === release.version) {
    return {
      changed: false,
      version: release.version,
      files,
      summary: `syncthing ${release.version} is already installed in ${dir}`,
      ...(keepDir === undefined ? {} : { kept: [] }),
    };
  }

  const work = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'mesh-syncthing-'));
  let kept: string[] = [];
  try {
    const {
      archive,
      unpacked: out,
      sha256,
      sums,
    } = await fetchArchive(options, runner, work, {
      ...release,
      digest: (text, source) => checksumFor(text, release.fileName, source),
      members: [release.member],
      hint: `${release.fileName} is not a Syncthing archive with ${release.member}`,
    });
    if (keepDir !== undefined)
      kept = await keepSyncthingRelease(keepDir, release, archive, sha256, sums);
    const placer = placerOf(options, runner);
    await placer.mkdir(dir);
    await placer.place(path.join(out, release.member), files.syncthing);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    changed: true,
    version: release.version,
    files,
    summary: `installed syncthing ${release.version} (${release.arch}) into ${dir}`,
    ...(keepDir === undefined ? {} : { kept }),
  };
}
