import type { MeshRole } from '../ports.js';
import type { OsType } from './platform.js';

/** A role, or `unknown` for a host the settings do not place (it gets the default ports). */
export type DetectedRole = MeshRole | 'unknown';

/** The hostname lists of `MESH_SERVER_HOSTNAMES`, `MESH_WSL2_HOSTNAMES`, `MESH_WINDOWS_HOSTNAMES`. */
export interface RoleHostnames {
  server: readonly string[];
  wsl2: readonly string[];
  windows: readonly string[];
}

/** Splits a comma-separated hostname list, trimmed and lower-cased, empty items dropped. */
export function parseHostnameList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The machine's role, by fixed rules the `MESH_*_HOSTNAMES` lists of existing installs rely on:
 * 1. the lower-cased hostname in the server list → `server`;
 * 2. in the WSL2 or Windows list → the OS type decides, because both sides of one PC share a
 *    hostname (`wsl2` on WSL, `windows` on Windows);
 * 3. otherwise a WSL OS gives `wsl2`, Windows gives `windows`, anything else `unknown`.
 */
export function detectRole(input: {
  hostname: string;
  osType: OsType;
  hostnames: RoleHostnames;
}): DetectedRole {
  const host = input.hostname.trim().toLowerCase();
  if (input.hostnames.server.includes(host)) return 'server';
  // Steps 2 and 3 give the same answer; step 2 is kept separate so the code follows the list above.
  if (input.hostnames.wsl2.includes(host) || input.hostnames.windows.includes(host)) {
    if (input.osType === 'wsl2') return 'wsl2';
    if (input.osType === 'windows') return 'windows';
  }
  if (input.osType === 'wsl2') return 'wsl2';
  if (input.osType === 'windows') return 'windows';
  return 'unknown';
}
