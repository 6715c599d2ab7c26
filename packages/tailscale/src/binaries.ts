import { resolveMeshBinary } from '@mesh/platform';

/** The two programs this package drives. */
export type TailscaleProgram = 'tailscale' | 'tailscaled';

/**
 * Picks the binary to run: explicit option, then `MESH_TAILSCALE_BIN` / `MESH_TAILSCALED_BIN`,
 * then the Mesh cache (when executable), then the bare name (resolved on PATH by execa at run
 * time). `@mesh/platform`'s {@link resolveMeshBinary}, kept under this package's name.
 */
export function resolveBinary(
  program: TailscaleProgram,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return resolveMeshBinary(program, { explicit, env });
}
