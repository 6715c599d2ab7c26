import { resolveMeshBinary } from '@mesh/platform';

/**
 * Finds the `headscale` binary: explicit option, then `MESH_HEADSCALE_BIN`, then
 * `/var/cache/mesh/bin/headscale`, then plain `headscale` (looked up on PATH when run).
 */
export function resolveHeadscaleBinary(explicit?: string): string {
  return resolveMeshBinary('headscale', { explicit });
}
