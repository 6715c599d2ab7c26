import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { pathExists, readIfExists } from '../internal/atomic-file.js';
import { inRoot } from '../internal/root.js';
import { type PortPlan, portPlan } from '../ports.js';
import { type OsRelease, parseOsRelease } from './os-release.js';
import { type DetectedRole, detectRole, parseHostnameList } from './role.js';

/**
 * Coarse OS types: any WSL is `wsl2`, any other Linux `ubuntu`. Role detection and the port plan
 * key on these values, so they stay this coarse; `osName` (os-name.ts) is what to show a person.
 */
export type OsType = 'ubuntu' | 'wsl2' | 'windows' | 'macos' | 'unknown';

/** What Mesh knows about WSL when running inside it. */
export interface WslInfo {
  /** 1 for the translation-layer kernel (`4.4.0-...-Microsoft`), 2 for the real VM kernel. */
  version: 1 | 2;
  /** `WSL_DISTRO_NAME`, when set. */
  distro?: string;
  /** Whether Windows programs (`powershell.exe`) can be started: the WSLInterop binfmt is registered and enabled. */
  interop: boolean;
  /** The kernel string it was recognised from. */
  kernel: string;
}

/** The machine Mesh is running on. */
export interface PlatformInfo {
  /** The family: `linux` (including WSL), `windows`, `macos`, or `unknown`. */
  os: 'linux' | 'windows' | 'macos' | 'unknown';
  /** The coarse {@link OsType} (WSL checked first). */
  osType: OsType;
  /** os-release of a Linux (or WSL) host. */
  distro?: OsRelease;
  /** Set inside WSL 1 or 2. */
  wsl?: WslInfo;
  /** Whether systemd is PID 1 (`/proc/1/comm` reads `systemd`). */
  systemd: boolean;
  hostname: string;
  /** The role from the `MESH_*_HOSTNAMES` lists and the OS type. */
  role: DetectedRole;
  /** The role's ports (the default 8384/22000 plan for `unknown`). */
  ports: PortPlan;
}

export interface DetectOptions {
  /** Machine root the /proc and /etc files are read under. @default '/' */
  root?: string;
  /** Environment (WSL_DISTRO_NAME, MESH_*_HOSTNAMES). @default process.env */
  env?: Record<string, string | undefined>;
  /** Node's platform name. @default process.platform */
  platform?: NodeJS.Platform;
  /** @default os.hostname() */
  hostname?: string;
}

/**
 * Recognises WSL from a kernel string (`/proc/version` or `/proc/sys/kernel/osrelease`): WSL 2
 * kernels say `microsoft-standard` (older: `-microsoft-standard`, newer: `-WSL2`), WSL 1 says
 * `-Microsoft` (capital M) on a 4.4.0 version.
 */
export function wslVersionFromKernel(kernel: string): 1 | 2 | undefined {
  const k = kernel.toLowerCase();
  if (!k.includes('microsoft') && !k.includes('wsl')) return undefined;
  if (k.includes('wsl2') || k.includes('microsoft-standard')) return 2;
  return 1;
}

async function interopEnabled(root: string | undefined): Promise<boolean> {
  // Newer WSL registers the handler as WSLInterop-late when systemd is on.
  for (const name of ['WSLInterop', 'WSLInterop-late']) {
    const text = await readIfExists(inRoot(root, `/proc/sys/fs/binfmt_misc/${name}`)).catch(
      () => undefined,
    );
    if (text !== undefined) return text.split('\n')[0]?.trim() === 'enabled';
  }
  return false;
}

/** Whether systemd is PID 1 under `root`. */
export async function isSystemdPid1(options: { root?: string } = {}): Promise<boolean> {
  const comm = await readFile(inRoot(options.root, '/proc/1/comm'), 'utf8').catch(() => '');
  return comm.trim() === 'systemd';
}

/** Reads WSL facts, or `undefined` when not inside WSL. */
export async function detectWsl(
  options: Pick<DetectOptions, 'root' | 'env'> = {},
): Promise<WslInfo | undefined> {
  const env = options.env ?? process.env;
  const version =
    (await readIfExists(inRoot(options.root, '/proc/version')).catch(() => undefined)) ?? '';
  const osrelease =
    (await readIfExists(inRoot(options.root, '/proc/sys/kernel/osrelease')).catch(
      () => undefined,
    )) ?? '';
  const kernel = version || osrelease;
  let v = wslVersionFromKernel(version) ?? wslVersionFromKernel(osrelease);
  // A custom WSL 2 kernel may lack the marker; the env var and interop entry still tell.
  if (
    v === undefined &&
    env['WSL_DISTRO_NAME'] &&
    (await pathExists(inRoot(options.root, '/run/WSL')))
  )
    v = 2;
  if (v === undefined) return undefined;
  const distro = env['WSL_DISTRO_NAME'];
  return {
    version: v,
    interop: await interopEnabled(options.root),
    kernel: kernel.trim(),
    ...(distro ? { distro } : {}),
  };
}

function osFamily(platform: NodeJS.Platform): PlatformInfo['os'] {
  if (platform === 'linux') return 'linux';
  if (platform === 'win32') return 'windows';
  if (platform === 'darwin') return 'macos';
  return 'unknown';
}

/**
 * Detects OS, distro, WSL, systemd, role and port plan. WSL is checked first, so a WSL distro is
 * `wsl2` whatever its os-release says.
 */
export async function detectPlatform(options: DetectOptions = {}): Promise<PlatformInfo> {
  const env = options.env ?? process.env;
  const family = osFamily(options.platform ?? process.platform);
  const hostname = options.hostname ?? os.hostname();
  let osType: OsType = family === 'linux' ? 'ubuntu' : family;
  let distro: OsRelease | undefined;
  let wsl: WslInfo | undefined;
  let systemd = false;
  if (family === 'linux') {
    wsl = await detectWsl({ ...options, env });
    if (wsl) osType = 'wsl2';
    const text =
      (await readIfExists(inRoot(options.root, '/etc/os-release'))) ??
      (await readIfExists(inRoot(options.root, '/usr/lib/os-release')));
    if (text !== undefined) distro = parseOsRelease(text);
    systemd = await isSystemdPid1(options);
  }
  const role = detectRole({
    hostname,
    osType,
    hostnames: {
      server: parseHostnameList(env['MESH_SERVER_HOSTNAMES']),
      wsl2: parseHostnameList(env['MESH_WSL2_HOSTNAMES']),
      windows: parseHostnameList(env['MESH_WINDOWS_HOSTNAMES']),
    },
  });
  return {
    os: family,
    osType,
    systemd,
    hostname,
    role,
    ports: portPlan(role),
    ...(distro ? { distro } : {}),
    ...(wsl ? { wsl } : {}),
  };
}
