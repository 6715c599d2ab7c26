import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRunner, resolveMeshBinary } from '@mesh/platform';
import { LabError } from './errors.js';

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

/**
 * Fails on the first of `programs` whose binary (as `binary` resolves it) is not executable or
 * not on PATH, before the lab makes anything it would have to tear down again.
 */
export async function checkLabBinaries(
  programs: readonly LabProgram[],
  binary: (program: LabProgram) => string,
): Promise<void> {
  const which = createRunner();
  for (const p of programs) {
    const bin = binary(p);
    if (bin.includes('/')) {
      await access(bin, constants.X_OK).catch((cause: unknown) => {
        throw new LabError(`${p} binary ${bin} is not executable`, {
          cause,
          hint: 'run `bash scripts/install-tools.sh`',
        });
      });
    } else {
      const r = await which.run('sh', ['-c', 'command -v "$0"', bin], { timeout: 5000 });
      if (r.exitCode !== 0) {
        throw new LabError(`${p} is not installed (not on PATH)`, {
          hint: 'run `bash scripts/install-tools.sh`',
        });
      }
    }
  }
}
