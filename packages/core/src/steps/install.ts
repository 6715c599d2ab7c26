import path from 'node:path';
import { detectPackageManager, type PackageManager, pathExists, WINGET_IDS } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { type MachineStepResult, type MachineStepsOptions, rootOption } from './machine-step.js';
import {
  cacheBinDir,
  installRelease,
  isRoot,
  type ReleaseProgram,
  releaseBinDir,
} from './release-programs.js';

async function onPath(ctx: MeshContext, name: string, explicit: string | undefined) {
  if (explicit) return pathExists(explicit);
  if (await pathExists(path.join(cacheBinDir(ctx), name))) return true;
  // A release install's place may be missing from this PATH (sudo, a service, the lab).
  if (await pathExists(path.join(releaseBinDir(ctx), name))) return true;
  // `command -v` through the runner, so a namespaced runner sees the host's PATH.
  const r = await ctx.runner.run('sh', ['-c', `command -v ${name}`], { timeout: 5000 });
  return r.exitCode === 0;
}

/** Which of tailscale, tailscaled, syncthing are missing on this machine. */
export async function missingPrograms(ctx: MeshContext): Promise<string[]> {
  const b = ctx.paths.binaries;
  const checks: Array<[string, string | undefined]> = [
    ['tailscale', b.tailscale],
    ['tailscaled', b.tailscaled],
    ['syncthing', b.syncthing],
  ];
  const missing: string[] = [];
  for (const [name, explicit] of checks)
    if (!(await onPath(ctx, name, explicit))) missing.push(name);
  return missing;
}

/** The package that provides a program, per package manager (tailscaled ships with tailscale). */
export function packageFor(program: string, manager: PackageManager['name']): string {
  const base = program === 'tailscaled' ? 'tailscale' : program;
  if (manager === 'winget') {
    return base === 'tailscale' ? WINGET_IDS.tailscale : WINGET_IDS.syncthing;
  }
  return base;
}

/** The package manager of `o`, else this machine's (`sudo -n` when not root, off Windows). */
export async function packageManagerFor(
  ctx: MeshContext,
  o: MachineStepsOptions,
): Promise<PackageManager> {
  if (o.packageManager) return o.packageManager;
  try {
    return await detectPackageManager({
      ...rootOption(ctx),
      runner: ctx.runner,
      sudo: !isRoot() && ctx.platform.os !== 'windows',
      ...(ctx.platform.os === 'windows' ? { platform: 'win32' as const } : {}),
    });
  } catch (error) {
    throw toMeshError(error, 'no way to install what is missing');
  }
}

/**
 * On Linux with apt or dnf, Tailscale and Syncthing come from their release packages, at the
 * versions Mesh is tested with: Debian has no Tailscale, a distribution's Syncthing lags years
 * behind, and a machine without a mirror (`--from-server`) gets both from the server.
 */
function releaseOf(program: string, manager: PackageManager['name']): ReleaseProgram | undefined {
  if (manager !== 'apt' && manager !== 'dnf') return undefined;
  if (program === 'tailscale' || program === 'tailscaled') return 'tailscale';
  if (program === 'syncthing') return 'syncthing';
  return undefined;
}

/**
 * Installs what is missing of tailscale and syncthing, only that (the check runs first; nothing
 * is installed when both are there). On Linux with apt or dnf, both come from their release
 * packages (`MESH_TAILSCALE_PACKAGES_URL`, `MESH_SYNCTHING_RELEASES_URL`, verified by checksum,
 * into `/usr/local/bin`); elsewhere from the package manager. Fails with `badInput` when a
 * program is still missing afterwards, and with `failure` when a download or its checksum
 * fails. With `keepPackagesIn` (the server), the packages it downloads are kept there for the
 * clients.
 */
export async function installMissingPrograms(
  ctx: MeshContext,
  o: MachineStepsOptions & {
    /** Where to keep the packages downloaded, for other machines. @default none */
    keepPackagesIn?: string | undefined;
  } = {},
): Promise<MachineStepResult> {
  const r = ctx.reporter;
  const missing = await missingPrograms(ctx);
  if (missing.length === 0) {
    r.ok('Tailscale and Syncthing are installed');
    return { id: 'install', status: 'ok', changes: [] };
  }
  r.info(`Missing: ${missing.join(', ')}`);
  const pm = await packageManagerFor(ctx, o).catch((error: unknown) => {
    const e = toMeshError(error);
    throw new MeshError(`missing programs: ${missing.join(', ')} (${e.message})`, {
      kind: 'badInput',
      cause: error,
      hint: 'install them by hand or point MESH_TAILSCALE_BIN/MESH_TAILSCALED_BIN/MESH_SYNCTHING_BIN at them',
    });
  });
  const changes: string[] = [];
  const releases = new Set(missing.map((p) => releaseOf(p, pm.name)));
  for (const program of ['tailscale', 'syncthing'] as const) {
    if (!releases.has(program)) continue;
    const keep = o.keepPackagesIn;
    const { change, result } = await installRelease(
      ctx,
      program,
      keep === undefined ? {} : { keepIn: keep },
    );
    if (change) changes.push(change);
    if (keep !== undefined && result.kept && result.kept.length > 0) {
      changes.push(`kept the ${program} package in ${keep} for mesh client setup --from-server`);
    }
  }
  const packages = missing
    .filter((p) => releaseOf(p, pm.name) === undefined)
    .map((p) => packageFor(p, pm.name));
  for (const pkg of [...new Set(packages)]) {
    const wait = r.wait(`Installing ${pkg} with ${pm.name}`);
    try {
      const { changed } = await pm.ensure(pkg);
      wait.done();
      if (changed) changes.push(`installed ${pkg} (${pm.name})`);
    } catch (error) {
      wait.fail();
      const e = toMeshError(error, `installing ${pkg} with ${pm.name}`);
      throw new MeshError(e.message, { kind: 'failure', cause: error, hint: e.hint });
    }
  }
  const still = await missingPrograms(ctx);
  if (still.length > 0) {
    throw new MeshError(`missing programs after installing: ${still.join(', ')}`, {
      kind: 'badInput',
      hint: 'install them by hand or point MESH_TAILSCALE_BIN/MESH_TAILSCALED_BIN/MESH_SYNCTHING_BIN at them',
    });
  }
  // Each change is a sentence of its own (`installed syncthing (apt)`), capitalised as a line.
  for (const change of changes) r.ok(`${change[0]?.toUpperCase() ?? ''}${change.slice(1)}`);
  if (changes.length === 0) r.ok(`Installed ${missing.join(', ')}`);
  return { id: 'install', status: changes.length > 0 ? 'changed' : 'ok', changes };
}
