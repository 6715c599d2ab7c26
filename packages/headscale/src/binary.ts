import { accessSync, constants } from 'node:fs';

/** Where Mesh's install script caches binaries. */
export const MESH_BIN_DIR = '/var/cache/mesh/bin';

/**
 * Finds the `headscale` binary: explicit option, then `MESH_HEADSCALE_BIN`, then
 * `/var/cache/mesh/bin/headscale`, then plain `headscale` (looked up on PATH when run).
 */
export function resolveHeadscaleBinary(explicit?: string): string {
  if (explicit) return explicit;
  const fromEnv = process.env['MESH_HEADSCALE_BIN'];
  if (fromEnv) return fromEnv;
  const cached = `${MESH_BIN_DIR}/headscale`;
  try {
    accessSync(cached, constants.X_OK);
    return cached;
  } catch {
    return 'headscale';
  }
}
