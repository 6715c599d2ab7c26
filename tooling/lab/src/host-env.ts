import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The role each conventional lab host name stands in for. `MESH_ROLE` is forced because on
 * Linux the OS type would otherwise turn the `wsl` and `windows` names into `unknown`.
 */
export const LAB_ROLES: Readonly<Record<string, string>> = {
  server: 'server',
  wsl: 'wsl2',
  windows: 'windows',
};

/** The built `mesh` bundle of this checkout (`apps/cli/dist/mesh.cjs`); the same path from `src/` and `dist/`. */
export const MESH_CLI = fileURLToPath(new URL('../../../apps/cli/dist/mesh.cjs', import.meta.url));

/** Variables a developer's shell may hold that would point a lab host at the real machine. */
const BLANKED = [
  'MESH_AUTH_KEY',
  'MESH_SERVER_URL',
  'HEADSCALE_SERVER',
  'MESH_TAILSCALE_SOCKET',
  'MESH_SYNCTHING_HOME',
  'MESH_SHARED_FOLDER_LINUX',
  'MESH_ENV_FILE',
] as const;

/** `name` as an absolute path when it is a bare name found on `path`; else unchanged. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): string {
  if (name.includes('/')) return name;
  for (const dir of path.split(':').filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return name;
}

export interface LabHostEnvOptions {
  /** Host name (also its `MESH_HOSTNAME`). */
  name: string;
  /** The host's state root: `MESH_ROOT`, with `home/`, `run/` and `bin/` (shims) inside. */
  root: string;
  labId: string;
  /** Resolved binaries (absolute paths, or bare names found on PATH). */
  binaries: { headscale: string; tailscale: string; tailscaled: string; syncthing: string };
  /** @default process.env.PATH */
  path?: string;
  /** Directory of the `node` that runs `mesh`. @default dirname(process.execPath) */
  nodeDir?: string;
}

/**
 * The environment that makes a lab host look like its own machine to every program, `mesh`
 * included: HOME and XDG dirs under the root, `MESH_ROOT` standing in for `/`, `MESH_HOSTNAME`
 * (namespaces share the kernel hostname), the role lists as a real deployment sets them, the
 * binaries, and a PATH: the host's shims (`mesh`, `tailscale`, `headscale`), node, the binaries.
 * Variables that would reach outside the host are set empty (`mesh` reads empty as unset).
 */
export function labHostEnv(o: LabHostEnvOptions): Record<string, string> {
  const home = join(o.root, 'home');
  const binDirs = Object.values(o.binaries)
    .filter((b) => b.includes('/'))
    .map((b) => dirname(b));
  const path = [
    join(o.root, 'bin'),
    o.nodeDir ?? dirname(process.execPath),
    ...binDirs,
    ...(
      o.path ??
      process.env['PATH'] ??
      '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    )
      .split(':')
      .filter(Boolean),
  ];
  const role = LAB_ROLES[o.name];
  return {
    PATH: [...new Set(path)].join(':'),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    TMPDIR: join(o.root, 'run'),
    LANG: 'C.UTF-8',
    MESH_LAB_ID: o.labId,
    MESH_LAB_HOST: o.name,
    MESH_ROOT: o.root,
    MESH_HOSTNAME: o.name,
    MESH_SERVER_HOSTNAMES: 'server',
    MESH_WSL2_HOSTNAMES: 'wsl',
    MESH_WINDOWS_HOSTNAMES: 'windows',
    ...(role ? { MESH_ROLE: role } : {}),
    MESH_HEADSCALE_BIN: o.binaries.headscale,
    MESH_TAILSCALE_BIN: o.binaries.tailscale,
    MESH_TAILSCALED_BIN: o.binaries.tailscaled,
    MESH_SYNCTHING_BIN: o.binaries.syncthing,
    // A bare host shares the machine's /etc: tailscaled taking over /etc/resolv.conf for
    // MagicDNS would take it over for the whole machine. Systemd hosts have their own /etc.
    MESH_MAGIC_DNS: 'off',
    ...Object.fromEntries(BLANKED.map((k) => [k, ''])),
  };
}
