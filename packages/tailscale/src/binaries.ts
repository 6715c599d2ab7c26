import { existsSync } from 'node:fs';

/** Where `install-tools.sh` caches the pinned builds (v1.98.10, `ts_omit_captiveportal`). */
export const MESH_BIN_DIR = '/var/cache/mesh/bin';

/** The two programs this package drives. */
export type TailscaleProgram = 'tailscale' | 'tailscaled';

const ENV_NAMES: Record<TailscaleProgram, string> = {
  tailscale: 'MESH_TAILSCALE_BIN',
  tailscaled: 'MESH_TAILSCALED_BIN',
};

/**
 * Picks the binary to run: explicit option, then `MESH_TAILSCALE_BIN` / `MESH_TAILSCALED_BIN`,
 * then the Mesh cache, then the bare name (resolved on PATH by execa at run time).
 */
export function resolveBinary(
  program: TailscaleProgram,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (explicit) return explicit;
  const fromEnv = env[ENV_NAMES[program]];
  if (fromEnv) return fromEnv;
  const cached = `${MESH_BIN_DIR}/${program}`;
  if (existsSync(cached)) return cached;
  return program;
}
