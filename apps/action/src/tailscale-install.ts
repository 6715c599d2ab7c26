import { appendFileSync, writeFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import {
  findOnPath,
  type InstallReleaseResult,
  installTailscaleRelease,
  MESH_BIN_DIR,
  type ReleaseArch,
  type Runner,
  releaseArch,
  resolveMeshBinary,
  TAILSCALE_VERSION,
} from '@mesh/platform';
import type { ActionConfig } from './inputs.js';

/** Where a job without Tailscale gets it: a release package, kept in the runner's tool cache. */
export interface TailscaleInstallPlan {
  version: string;
  /** The package architecture (`amd64`, `arm64`). */
  arch: ReleaseArch;
  packagesUrl: string;
  /** `$RUNNER_TOOL_CACHE/tailscale/<version>/<arch>`, the layout of actions/tool-cache. */
  dir: string;
  binaries: { tailscale: string; tailscaled: string };
}

export interface PlanTailscaleOptions {
  /**
   * Where Mesh's pinned builds are looked for before PATH. @default MESH_BIN_DIR, under
   * `MESH_ROOT` when that stands in for `/` (as core looks for them)
   */
  meshBinDir?: string | undefined;
  /** @default process.arch */
  arch?: string | undefined;
}

const PROGRAMS = ['tailscale', 'tailscaled'] as const;

/**
 * Whether this job must install Tailscale. Undefined when it has it: a binary chosen by input or
 * `MESH_TAILSCALE(D)_BIN` (the job manages its own then, and nothing is installed), or both found
 * where the steps look (Mesh's cache, then PATH). Otherwise where to install them, or one line
 * saying why that is impossible.
 */
export async function planTailscaleInstall(
  config: Pick<ActionConfig, 'binaries' | 'tailscaleVersion' | 'tailscalePackagesUrl'>,
  env: NodeJS.ProcessEnv,
  options: PlanTailscaleOptions = {},
): Promise<TailscaleInstallPlan | string | undefined> {
  const chosen = PROGRAMS.some(
    (p) => config.binaries[p] !== undefined || (env[`MESH_${p.toUpperCase()}_BIN`] ?? '') !== '',
  );
  if (chosen) return undefined;
  const missing: string[] = [];
  const root = env['MESH_ROOT'] ?? '';
  const binDir = options.meshBinDir ?? (root === '' ? MESH_BIN_DIR : join(root, MESH_BIN_DIR));
  for (const p of PROGRAMS) {
    const found = await findOnPath(resolveMeshBinary(p, { env, binDir }), env);
    if (!isAbsolute(found)) missing.push(p);
  }
  if (missing.length === 0) return undefined;

  const version = config.tailscaleVersion ?? TAILSCALE_VERSION;
  const what = `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed`;
  const toolCache = env['RUNNER_TOOL_CACHE'] ?? '';
  if (!isAbsolute(toolCache)) {
    return `${what}, and RUNNER_TOOL_CACHE (where this action installs Tailscale ${version}) is not set: install Tailscale on the runner, or set tailscale-bin and tailscaled-bin`;
  }
  const nodeArch = options.arch ?? process.arch;
  let arch: ReleaseArch;
  try {
    arch = releaseArch(nodeArch);
  } catch (error) {
    return `${what}, and there is ${(error as Error).message}`;
  }
  // Named by Node's arch, as actions/tool-cache names its entries.
  const dir = join(toolCache, 'tailscale', version, nodeArch);
  return {
    version,
    arch,
    packagesUrl: config.tailscalePackagesUrl,
    dir,
    binaries: { tailscale: join(dir, 'tailscale'), tailscaled: join(dir, 'tailscaled') },
  };
}

/**
 * Puts `dir` first on PATH for this process (so core finds the programs) and, through the
 * runner's `GITHUB_PATH` file, for every later step of the job.
 */
export function addPath(env: NodeJS.ProcessEnv, dir: string): void {
  const file = env['GITHUB_PATH'];
  if (file) appendFileSync(file, `${dir}${EOL}`, 'utf8');
  env['PATH'] = env['PATH'] ? `${dir}${delimiter}${env['PATH']}` : dir;
}

/**
 * Installs Tailscale as planned (a cache hit downloads nothing: the installer finds the version
 * already there) and adds its directory to PATH.
 */
export async function installTailscale(
  plan: TailscaleInstallPlan,
  env: NodeJS.ProcessEnv,
  options: { signal?: AbortSignal; runner?: Runner } = {},
): Promise<InstallReleaseResult> {
  const result = await installTailscaleRelease({
    version: plan.version,
    baseUrl: plan.packagesUrl,
    binDir: plan.dir,
    arch: plan.arch,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
  });
  // actions/tool-cache's marker of a complete entry, so other actions' `find` sees it too.
  writeFileSync(`${plan.dir}.complete`, '');
  addPath(env, plan.dir);
  return result;
}
