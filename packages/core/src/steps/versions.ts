import { createRunner, findOnPath, type Runner, resolveMeshBinary } from '@mesh/platform';
import { parseTailscaleVersion } from '@mesh/tailscale';

/** The binaries whose version `tailscale-version` pins, and how each prints it. */
const PROGRAMS = [
  { name: 'tailscale', args: ['version'], input: 'tailscale-bin' },
  { name: 'tailscaled', args: ['--version'], input: 'tailscaled-bin' },
] as const;

/**
 * Checks that the tailscale and tailscaled this machine will run (`binaries` path, else
 * `MESH_TAILSCALE(D)_BIN`, else the Mesh cache, else PATH: the order the steps use) are version
 * `wanted`. Returns one line saying what was wanted, what was found and what to do, or
 * undefined when both match. Nothing is downloaded or installed. The line names the Action's
 * inputs (`tailscale-version`, `tailscale-bin`, `tailscaled-bin`), its only caller today.
 */
export async function checkTailscaleVersion(
  wanted: string,
  binaries: { tailscale?: string; tailscaled?: string },
  env: NodeJS.ProcessEnv,
  runner: Runner = createRunner(),
): Promise<string | undefined> {
  const wrong: string[] = [];
  for (const p of PROGRAMS) {
    const file = await findOnPath(
      resolveMeshBinary(p.name, { explicit: binaries[p.name], env }),
      env,
    );
    let found: string;
    try {
      const r = await runner.run(file, p.args, { timeout: 15_000 });
      found =
        r.exitCode === 0
          ? (parseTailscaleVersion(r.stdout) ?? `an unknown version ("${r.stdout.split('\n')[0]}")`)
          : `unknown (\`${p.name} ${p.args.join(' ')}\` exited ${r.exitCode})`;
    } catch {
      found = 'not installed';
    }
    if (found !== wanted) wrong.push(`${p.name} is ${found} (${file})`);
  }
  if (wrong.length === 0) return undefined;
  return `input "tailscale-version" wants ${wanted}, but ${wrong.join(' and ')}: install Tailscale ${wanted} on the runner, or point tailscale-bin and tailscaled-bin at binaries of that version`;
}
