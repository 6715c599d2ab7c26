import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/**
 * An absolute path for `program` (searched on PATH when it is a bare name): service definitions
 * need one (systemd `ExecStart=` does not search PATH). Returns the name unchanged if not found.
 */
export async function absoluteProgram(
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
