import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SHARED_FOLDER_WINDOWS } from './steps/constants.js';

/**
 * Every file and socket Mesh touches on one machine, resolved once. Commands take a
 * `MeshPaths` instead of reading the environment themselves, so the lab (and tests) can move
 * a whole machine under a temporary root.
 */
export interface MeshPaths {
  /** Stands in for `/` (`MESH_ROOT`). @default '/' */
  root: string;
  /** The user's home directory (`HOME`). */
  home: string;
  /** Mesh's config directory: `$XDG_CONFIG_HOME/mesh` (`~/.config/mesh` by default). */
  configDir: string;
  /** Mesh's state directory (API key, supervised-process pid/log files): `$XDG_STATE_HOME/mesh`. */
  stateDir: string;
  /** The saved Headscale URL (plain text; the file name existing installations have). */
  serverUrlFile: string;
  /** Headscale API key Mesh keeps for itself on the server (mode 0600). */
  apiKeyFile: string;
  /** `.env` settings file read by {@link loadSettings}. */
  envFile: string;
  headscale: {
    /** `/etc/headscale/config.yaml` under root. */
    configPath: string;
    /** `/var/lib/headscale` under root (db, noise and DERP keys). */
    stateDir: string;
    /** Headscale's admin unix socket (`/var/run/headscale/headscale.sock` under root). */
    socketPath: string;
  };
  tailscale: {
    /** tailscaled state directory (`/var/lib/tailscale` under root). */
    stateDir: string;
    /** tailscaled LocalAPI socket (`MESH_TAILSCALE_SOCKET`, else `/var/run/tailscale/tailscaled.sock` under root). */
    socketPath: string;
  };
  /** Syncthing home (config.xml, cert.pem, key.pem): `MESH_SYNCTHING_HOME`, else where Syncthing itself looks. */
  syncthingHome: string;
  /** The shared folder (`MESH_SHARED_FOLDER_LINUX`, else `/opt/shared` under root). */
  sharedFolder: string;
  /** Binaries (`MESH_HEADSCALE_BIN` … or undefined to let each library resolve them). */
  binaries: { headscale?: string; tailscale?: string; tailscaled?: string; syncthing?: string };
}

/** Joins a machine path under `root` (`/etc/x` with root `/tmp/r` → `/tmp/r/etc/x`). */
export function underRoot(root: string, machinePath: string): string {
  if (root === '/' || root === '') return machinePath;
  return path.join(root, machinePath);
}

export interface ResolvePathsOptions {
  /** Environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Explicit overrides, applied last. */
  overrides?: Partial<MeshPaths>;
  /** The OS whose defaults apply. @default process.platform */
  platform?: NodeJS.Platform;
}

/**
 * Resolves {@link MeshPaths} from the environment: `MESH_ROOT`, `HOME`, `XDG_CONFIG_HOME`,
 * `XDG_STATE_HOME`, `MESH_TAILSCALE_SOCKET`, `MESH_SYNCTHING_HOME`, `MESH_SHARED_FOLDER_LINUX`,
 * `MESH_{HEADSCALE,TAILSCALE,TAILSCALED,SYNCTHING}_BIN`.
 */
export function resolveMeshPaths(options: ResolvePathsOptions = {}): MeshPaths {
  const env = options.env ?? process.env;
  const root = nonEmpty(env['MESH_ROOT']) ?? '/';
  const home = nonEmpty(env['HOME']) ?? homedir();
  const xdgConfig = nonEmpty(env['XDG_CONFIG_HOME']) ?? path.join(home, '.config');
  const xdgState = nonEmpty(env['XDG_STATE_HOME']) ?? path.join(home, '.local', 'state');
  const configDir = path.join(xdgConfig, 'mesh');
  const stateDir = path.join(xdgState, 'mesh');
  const binaries: MeshPaths['binaries'] = {};
  for (const [key, name] of [
    ['headscale', 'MESH_HEADSCALE_BIN'],
    ['tailscale', 'MESH_TAILSCALE_BIN'],
    ['tailscaled', 'MESH_TAILSCALED_BIN'],
    ['syncthing', 'MESH_SYNCTHING_BIN'],
  ] as const) {
    const v = nonEmpty(env[name]);
    if (v) binaries[key] = v;
  }
  const resolved: MeshPaths = {
    root,
    home,
    configDir,
    stateDir,
    serverUrlFile: path.join(configDir, 'headscale-server'),
    apiKeyFile: path.join(stateDir, 'headscale-api-key'),
    envFile: nonEmpty(env['MESH_ENV_FILE']) ?? path.join(configDir, '.env'),
    headscale: {
      configPath: underRoot(root, '/etc/headscale/config.yaml'),
      stateDir: underRoot(root, '/var/lib/headscale'),
      socketPath: underRoot(root, '/var/run/headscale/headscale.sock'),
    },
    tailscale: {
      stateDir: underRoot(root, '/var/lib/tailscale'),
      socketPath:
        nonEmpty(env['MESH_TAILSCALE_SOCKET']) ??
        underRoot(root, '/var/run/tailscale/tailscaled.sock'),
    },
    ...((options.platform ?? process.platform) === 'win32'
      ? windowsSyncthingPaths(env, home)
      : {
          syncthingHome: nonEmpty(env['MESH_SYNCTHING_HOME']) ?? syncthingHomeFor(home, xdgState),
          sharedFolder: nonEmpty(env['MESH_SHARED_FOLDER_LINUX']) ?? underRoot(root, '/opt/shared'),
        }),
    binaries,
  };
  return { ...resolved, ...options.overrides };
}

// Where `mesh windows script` puts them: Syncthing's own home on Windows, and the Windows
// shared folder, so the mesh agent on Windows finds the Syncthing the script set up.
function windowsSyncthingPaths(
  env: NodeJS.ProcessEnv,
  home: string,
): Pick<MeshPaths, 'syncthingHome' | 'sharedFolder'> {
  const localAppData = nonEmpty(env['LOCALAPPDATA']) ?? path.win32.join(home, 'AppData', 'Local');
  return {
    syncthingHome:
      nonEmpty(env['MESH_SYNCTHING_HOME']) ?? path.win32.join(localAppData, 'Syncthing'),
    sharedFolder: nonEmpty(env['MESH_SHARED_FOLDER_WINDOWS']) ?? DEFAULT_SHARED_FOLDER_WINDOWS,
  };
}

/** Where Syncthing run by the user whose home is `home` keeps its config, by its own lookup. */
export function syncthingHomeOf(home: string): string {
  return syncthingHomeFor(home, path.join(home, '.local', 'state'));
}

// Syncthing's own lookup: the XDG state dir if it exists (Syncthing ≥ 1.27),
// else the legacy ~/.config/syncthing, which Debian's 1.19 uses.
function syncthingHomeFor(home: string, xdgState: string): string {
  const state = path.join(xdgState, 'syncthing');
  if (existsSync(path.join(state, 'config.xml'))) return state;
  return path.join(home, '.config', 'syncthing');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
