/**
 * Finding the programs Mesh runs. One lookup order for every library: an explicit option, then
 * `MESH_<NAME>_BIN`, then the pinned builds in {@link MESH_BIN_DIR}, then the bare name.
 */
import { accessSync, constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Where Mesh's install script (`scripts/install-tools.sh`) caches pinned binaries. */
export const MESH_BIN_DIR = '/var/cache/mesh/bin';

/** Options of {@link resolveMeshBinary}. */
export interface ResolveMeshBinaryOptions {
  /** An explicit path (a library's `binary` option); wins over everything. */
  explicit?: string | undefined;
  /** @default `MESH_${PROGRAM}_BIN`, e.g. `MESH_HEADSCALE_BIN` */
  envName?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default MESH_BIN_DIR */
  binDir?: string;
  /** Looked in after `binDir`, in order (where release installs put programs, for one). */
  moreDirs?: readonly string[];
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The binary to run for `program`: `explicit`, then env `MESH_<PROGRAM>_BIN`, then an
 * executable `<binDir>/<program>` (then in each of `moreDirs`), then `program` itself (looked up
 * on PATH when run).
 */
export function resolveMeshBinary(program: string, o: ResolveMeshBinaryOptions = {}): string {
  if (o.explicit) return o.explicit;
  const envName = o.envName ?? `MESH_${program.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BIN`;
  const fromEnv = (o.env ?? process.env)[envName];
  if (fromEnv) return fromEnv;
  for (const dir of [o.binDir ?? MESH_BIN_DIR, ...(o.moreDirs ?? [])]) {
    const candidate = path.join(dir, program);
    if (executable(candidate)) return candidate;
  }
  return program;
}

/**
 * An absolute path for `program`, searched on `PATH` when it is a bare name: service
 * definitions need one (systemd `ExecStart=` does not search PATH). Returns the name unchanged
 * when it is not found.
 */
export async function findOnPath(
  program: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (path.isAbsolute(program)) return program;
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return program;
}
