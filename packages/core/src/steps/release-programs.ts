/**
 * Programs Mesh installs from their release packages (Tailscale on Linux clients, Headscale on
 * the server): where they go, how they are found again, and how an install is reported.
 */
import {
  displayUrl,
  findOnPath,
  HEADSCALE_VERSION,
  type InstallReleaseOptions,
  type InstallReleaseResult,
  installHeadscaleRelease,
  installSyncthingRelease,
  installTailscaleRelease,
  MESH_BIN_DIR,
  type MeshSettings,
  RELEASE_INSTALL_DIR,
  resolveMeshBinary,
  SUDO_PREFIX,
  SYNCTHING_VERSION,
  TAILSCALE_VERSION,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { underRoot } from '../paths.js';

/** Whether this process runs as root (never on Windows, which has no uid). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A program Mesh installs from a release package. */
export type ReleaseProgram = 'tailscale' | 'headscale' | 'syncthing';

const SOURCES: Readonly<
  Record<
    ReleaseProgram,
    {
      version: string;
      baseUrl: (settings: MeshSettings) => string;
      install: (o: InstallReleaseOptions) => Promise<InstallReleaseResult>;
    }
  >
> = {
  tailscale: {
    version: TAILSCALE_VERSION,
    baseUrl: (s) => s.tailscalePackagesUrl,
    install: installTailscaleRelease,
  },
  headscale: {
    version: HEADSCALE_VERSION,
    baseUrl: (s) => s.headscaleReleasesUrl,
    install: installHeadscaleRelease,
  },
  syncthing: {
    version: SYNCTHING_VERSION,
    baseUrl: (s) => s.syncthingReleasesUrl,
    install: installSyncthingRelease,
  },
};

/** `/usr/local/bin` under the machine's root: where release installs put their programs. */
export function releaseBinDir(ctx: Pick<MeshContext, 'paths'>): string {
  return underRoot(ctx.paths.root, RELEASE_INSTALL_DIR);
}

/**
 * Mesh's cache of pinned builds (`scripts/install-tools.sh`) under the machine's root, so a
 * machine under `MESH_ROOT` (a test) sees its own and not the host's.
 */
export function cacheBinDir(ctx: Pick<MeshContext, 'paths'>): string {
  return underRoot(ctx.paths.root, MESH_BIN_DIR);
}

/**
 * The program to run for `name`: `explicit`, `MESH_<NAME>_BIN`, Mesh's cache of pinned builds,
 * then what a release install put in {@link releaseBinDir}, else the bare name (PATH). That
 * directory is looked at by itself because a service, `sudo` or the lab may run with a PATH
 * that lacks it.
 */
export function meshProgram(
  ctx: Pick<MeshContext, 'paths' | 'env'>,
  name: string,
  explicit?: string,
): string {
  return resolveMeshBinary(name, {
    explicit,
    env: ctx.env,
    binDir: cacheBinDir(ctx),
    moreDirs: [releaseBinDir(ctx)],
  });
}

/**
 * An absolute path for {@link meshProgram}, as service definitions need, or the bare name when
 * it is nowhere.
 */
export function findMeshProgram(
  ctx: Pick<MeshContext, 'paths' | 'env'>,
  name: string,
  explicit?: string,
): Promise<string> {
  return findOnPath(meshProgram(ctx, name, explicit), ctx.env);
}

/** Options of {@link installRelease}. */
export interface InstallReleaseStepOptions {
  /**
   * Also keep the package it downloads there, for the machines that install from this one
   * (`<keepIn>/tailscale/stable/`, `<keepIn>/syncthing/v<version>/`; not Headscale). A path on
   * this machine, under its root. @default none
   */
  keepIn?: string | undefined;
}

/** What {@link installRelease} did. */
export interface ReleaseInstall {
  result: InstallReleaseResult;
  /** The change line (`installed tailscale 1.98.10 (from URL)`); absent when nothing changed. */
  change?: string;
}

/**
 * Installs `program` at the version Mesh is tested with, from the package source its setting
 * names (`MESH_TAILSCALE_PACKAGES_URL`, `MESH_HEADSCALE_RELEASES_URL`,
 * `MESH_SYNCTHING_RELEASES_URL`), verified by checksum,
 * into {@link releaseBinDir}. A failed download or a checksum mismatch is a one-line
 * `MeshError` with the platform's hint, and nothing is installed. The package is kept in
 * `o.keepIn` too when that is given (see `InstallReleaseResult.kept`).
 */
export async function installRelease(
  ctx: MeshContext,
  program: ReleaseProgram,
  o: InstallReleaseStepOptions = {},
): Promise<ReleaseInstall> {
  const source = SOURCES[program];
  const baseUrl = source.baseUrl(ctx.settings);
  // The setting has no query; this also keeps any user:password out of the lines printed.
  const from = displayUrl(baseUrl);
  const wait = ctx.reporter.wait(`Installing ${program} ${source.version} from ${from}`);
  let result: InstallReleaseResult;
  try {
    result = await source.install({
      version: source.version,
      baseUrl,
      binDir: releaseBinDir(ctx),
      runner: ctx.runner,
      signal: ctx.signal,
      ...(o.keepIn === undefined ? {} : { keepIn: o.keepIn }),
      // A user who is not root places the programs as packages are installed: with `sudo -n`.
      ...(isRoot() ? {} : { privileged: ctx.daemonPrefix ?? SUDO_PREFIX }),
    });
  } catch (error) {
    wait.fail();
    throw toMeshError(error, `installing ${program} ${source.version}`);
  }
  wait.done();
  if (!result.changed) return { result };
  return { result, change: `installed ${program} ${result.version} (from ${from})` };
}
