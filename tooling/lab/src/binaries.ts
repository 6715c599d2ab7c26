import { resolveMeshBinary } from '@mesh/platform';

/** Where `scripts/install-tools.sh` links the pinned builds. */
export { MESH_BIN_DIR } from '@mesh/platform';

/** Programs the lab starts itself. */
export type LabProgram = 'headscale' | 'tailscale' | 'tailscaled' | 'syncthing' | 'socat';

/**
 * option → env (`MESH_<NAME>_BIN`) → /var/cache/mesh/bin (when executable) → bare name (PATH):
 * `@mesh/platform`'s {@link resolveMeshBinary}.
 */
export function resolveLabBinary(
  program: LabProgram,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return resolveMeshBinary(program, { explicit, env });
}
