import { stat } from 'node:fs/promises';
import os from 'node:os';
import {
  createRunner,
  type DetectedRole,
  detectPlatform,
  loadSettings,
  lookupUser,
  type MeshSettings,
  type PlatformInfo,
  type PortPlan,
  portPlan,
  type Runner,
  type UserAccount,
} from '@mesh/platform';
import { MeshError } from './errors.js';
import { toMeshError } from './map-error.js';
import { type MeshPaths, resolveMeshPaths, syncthingHomeOf } from './paths.js';
import { type Reporter, silentReporter } from './reporter.js';

/** Options every core function accepts (all optional; defaults describe this machine). */
export interface MeshContextOptions {
  /** Environment read for settings and path overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Directory whose `./.env` and `../.env` are read. @default process.cwd() */
  cwd?: string;
  /** @default resolveMeshPaths({ env }), with `env` merged with the `.env` files */
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
  /** The process environment with the `.env` files' `MESH_*` values filled in where it has none. */
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
  /**
   * The account Syncthing runs as and the shared folder belongs to, when `MESH_DEFAULT_USER`
   * names one other than this process's user (Linux only); `paths.syncthingHome` is then in
   * that account's home.
   */
  syncthingUser?: UserAccount;
}

const ROLES: readonly DetectedRole[] = ['server', 'wsl2', 'windows', 'unknown'];

/**
 * Resolves settings (environment, then `./.env`, then `../.env`), paths, platform and role, all
 * from the same merged values. `MESH_HOSTNAME` and `MESH_ROLE` exist for machines that share a
 * kernel hostname, such as lab namespaces.
 */
export async function createMeshContext(options: MeshContextOptions = {}): Promise<MeshContext> {
  const processEnv = options.env ?? process.env;
  const linux = process.platform === 'linux';
  const envFile = await envFileToRead(
    (options.paths ?? resolveMeshPaths({ env: processEnv })).envFile,
    processEnv,
  );
  const named = envFile !== undefined && envFile === processEnv['MESH_ENV_FILE'];
  let settings: MeshSettings;
  let platform: PlatformInfo;
  let env: NodeJS.ProcessEnv;
  let paths: MeshPaths;
  let hostname: string;
  try {
    settings = await loadSettings({
      env: processEnv,
      ...(options.cwd === undefined ? {} : { dir: options.cwd }),
      // ~/.config/mesh/.env was the file read before this search; it still counts, below
      // ./.env and ../.env, so installs that keep their settings there lose nothing.
      ...(named ? { envFile } : { fallbackEnvFiles: envFile ? [envFile] : [] }),
      ...(linux
        ? { lookupUser: (name: string) => lookupUser(name, { runner: createRunner() }) }
        : {}),
    });
    env = { ...processEnv, ...settings.variables };
    paths = options.paths ?? resolveMeshPaths({ env });
    if (syncthingUserOf(settings) && !options.paths && !env['MESH_SYNCTHING_HOME']) {
      paths = { ...paths, syncthingHome: syncthingHomeOf(settings.defaultUserAccount.home) };
    }
    hostname = options.hostname ?? (env['MESH_HOSTNAME'] || os.hostname());
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
    ...(syncthingUserOf(settings) ? { syncthingUser: settings.defaultUserAccount } : {}),
  };
}

/** Whether `MESH_DEFAULT_USER` moves Syncthing to an account other than this process's. */
function syncthingUserOf(
  settings: MeshSettings,
): settings is MeshSettings & { defaultUserAccount: UserAccount } {
  const account = settings.defaultUserAccount;
  return account !== undefined && account.uid !== process.getuid?.();
}

/**
 * The settings file to read, or undefined for none. One that `MESH_ENV_FILE` names must be a
 * file: a typo would otherwise drop every setting in it without a word.
 */
async function envFileToRead(file: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const named = (env['MESH_ENV_FILE'] ?? '') !== '' && env['MESH_ENV_FILE'] === file;
  const found = await stat(file).then(
    (st) => (st.isDirectory() ? 'directory' : 'file'),
    (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? 'missing' : 'unreadable',
  );
  // An unreadable file is left to loadSettings, which names it and the errno.
  if (found === 'file' || found === 'unreadable') return file;
  if (found === 'missing' && !named) return undefined;
  const what = found === 'missing' ? 'does not exist' : 'is a directory, not a file';
  throw new MeshError(
    named ? `MESH_ENV_FILE names ${file}, which ${what}` : `The settings file ${file} ${what}`,
    {
      kind: 'badInput',
      hint: named
        ? 'point MESH_ENV_FILE at an existing settings file, or unset it'
        : 'move that directory aside, or point MESH_ENV_FILE at the settings file',
    },
  );
}
