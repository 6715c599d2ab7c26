import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabHost } from '@mesh/lab';
import { inputEnvName, parseFileCommands, stateEnv } from '../src/protocol.js';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

/** What one step printed and left behind. */
export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The raw outputs + state files, to search for leaks. */
  files: string;
}

/**
 * Runs the BUILT action in a lab host the way the Actions runner runs it: `node dist/main.js`
 * with `INPUT_*`, `GITHUB_OUTPUT`, `GITHUB_STATE` and `RUNNER_TEMP` in the environment and
 * nothing on argv; then `node dist/post.js` with the state handed back as `STATE_<name>`.
 */
export function labJob(
  host: LabHost,
  name: string,
  inputs: Record<string, string>,
  /** Runner variables on top of the host's (a tool cache, a PATH without Tailscale). */
  runnerEnv: Record<string, string> = {},
) {
  const dir = join(host.root, 'run', `job-${name}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { output: join(dir, 'output'), state: join(dir, 'state') };
  writeFileSync(files.output, '');
  writeFileSync(files.state, '');
  const jobEnv: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: dir,
    RUNNER_NAME: `lab ${name}`,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    ...runnerEnv,
  };
  for (const [k, v] of Object.entries(inputs)) jobEnv[inputEnvName(k)] = v;
  const read = () => ({
    outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
    files: readFileSync(files.output, 'utf8') + readFileSync(files.state, 'utf8'),
  });
  const step = async (entry: string, env: Record<string, string>, timeout: number) => {
    const r = await host.runner.run(process.execPath, [join(distDir, entry)], { env, timeout });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ...read() };
  };
  return {
    dir,
    main: (timeout = 120_000): Promise<StepResult> => step('main.js', jobEnv, timeout),
    post: (timeout = 60_000): Promise<StepResult> => {
      const state = parseFileCommands(readFileSync(files.state, 'utf8'));
      return step('post.js', { ...jobEnv, ...stateEnv(state) }, timeout);
    },
    state: () => parseFileCommands(readFileSync(files.state, 'utf8')),
  };
}

/** Lines of a step's stdout that are `::error::` commands. */
export const errorLines = (stdout: string) =>
  stdout.split('\n').filter((l) => l.startsWith('::error::'));
