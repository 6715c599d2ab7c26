import os from 'node:os';
import {
  createRunner,
  type DetectedRole,
  detectPlatform,
  loadSettings,
  type MeshSettings,
  type PlatformInfo,
  type PortPlan,
  portPlan,
  type Runner,
} from '@mesh/platform';
import { MeshError } from './errors.js';
import { toMeshError } from './map-error.js';
import { type MeshPaths, resolveMeshPaths } from './paths.js';
import { type Reporter, silentReporter } from './reporter.js';

/** Options every core function accepts (all optional; defaults describe this machine). */
export interface MeshContextOptions {
  /** Environment read for settings and path overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default resolveMeshPaths({ env }) */
  paths?: MeshPaths;
  /** Runs every program. @default createRunner() */
  runner?: Runner;
  /** Where progress goes. @default silentReporter */
  reporter?: Reporter;
  /** Cancels long waits. */
  signal?: AbortSignal;
  /** This machine's name. @default MESH_HOSTNAME, else os.hostname() */
  hostname?: string;
  /** Force the role instead of detecting it. @default MESH_ROLE, else detected */
  role?: DetectedRole;
  /**
   * Argv put before the supervisor of a daemon that needs root (tailscaled), for a caller
   * that is not root but may escalate, e.g. `['sudo', '-n']` on a CI runner. Used only to
   * start and stop supervised daemons (Syncthing stays unprivileged); core then also makes
   * this user tailscaled's operator, since a root tailscaled answers other users read-only.
   * @default [] (daemons run as this process's user)
   */
  daemonPrefix?: readonly string[];
}

/** Everything a core function needs about this machine, resolved once. */
export interface MeshContext {
  env: NodeJS.ProcessEnv;
  paths: MeshPaths;
  runner: Runner;
  reporter: Reporter;
  signal?: AbortSignal;
  hostname: string;
  role: DetectedRole;
  ports: PortPlan;
  platform: PlatformInfo;
  settings: MeshSettings;
  /** See {@link MeshContextOptions.daemonPrefix}; absent when empty. */
  daemonPrefix?: readonly string[];
}

const ROLES: readonly DetectedRole[] = ['server', 'wsl2', 'windows', 'unknown'];

/**
 * Resolves paths, settings (`.env` + environment), platform and role. `MESH_HOSTNAME` and
 * `MESH_ROLE` exist for machines that share a kernel hostname, such as lab namespaces.
 */
export async function createMeshContext(options: MeshContextOptions = {}): Promise<MeshContext> {
  const env = options.env ?? process.env;
  const paths = options.paths ?? resolveMeshPaths({ env });
  const hostname = options.hostname ?? (env['MESH_HOSTNAME'] || os.hostname());
  let settings: MeshSettings;
  let platform: PlatformInfo;
  try {
    const envFile = await existingEnvFile(paths.envFile);
    settings = await loadSettings({ env, ...(envFile ? { envFile } : {}) });
    platform = await detectPlatform({
      env,
      hostname,
      ...(paths.root === '/' ? {} : { root: paths.root }),
    });
  } catch (error) {
    throw toMeshError(error, 'reading settings');
  }
  const forced = options.role ?? env['MESH_ROLE'];
  if (forced !== undefined && forced !== '' && !ROLES.includes(forced as DetectedRole)) {
    throw new MeshError(
      `MESH_ROLE must be one of ${ROLES.join(', ')}, got ${JSON.stringify(forced)}`,
      {
        kind: 'badInput',
        hint: 'unset MESH_ROLE to detect the role from MESH_*_HOSTNAMES',
      },
    );
  }
  const role = forced ? (forced as DetectedRole) : platform.role;
  return {
    env,
    paths,
    runner: options.runner ?? createRunner(),
    reporter: options.reporter ?? silentReporter,
    ...(options.signal ? { signal: options.signal } : {}),
    hostname,
    role,
    ports: portPlan(role),
    platform: { ...platform, role, ports: portPlan(role) },
    settings,
    ...(options.daemonPrefix && options.daemonPrefix.length > 0
      ? { daemonPrefix: [...options.daemonPrefix] }
      : {}),
  };
}

async function existingEnvFile(file: string): Promise<string | undefined> {
  const { access } = await import('node:fs/promises');
  try {
    await access(file);
    return file;
  } catch {
    return undefined;
  }
}
