import { existsSync } from 'node:fs';

/** Where `scripts/install-tools.sh` links the pinned builds. */
export const MESH_BIN_DIR = '/var/cache/mesh/bin';

/** Programs the lab starts itself. */
export type LabProgram = 'headscale' | 'tailscale' | 'tailscaled' | 'syncthing' | 'socat';

const ENV_NAMES: Record<LabProgram, string> = {
  headscale: 'MESH_HEADSCALE_BIN',
  tailscale: 'MESH_TAILSCALE_BIN',
  tailscaled: 'MESH_TAILSCALED_BIN',
  syncthing: 'MESH_SYNCTHING_BIN',
  socat: 'MESH_SOCAT_BIN',
};

/** option → env (`MESH_<NAME>_BIN`) → /var/cache/mesh/bin → bare name (PATH). */
export function resolveLabBinary(
  program: LabProgram,
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
