import { appendFileSync } from 'node:fs';

/** Reads an input the way the Actions runner passes it: `INPUT_<NAME>` with spaces as `_`. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Hides a value in every later log line. */
export function setSecret(value: string, out: NodeJS.WritableStream = process.stdout): void {
  if (value) out.write(`::add-mask::${value}\n`);
}

/** Writes `name=value` to the file named by `GITHUB_OUTPUT`. */
export function setOutput(name: string, value: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env['GITHUB_OUTPUT'];
  if (!file) throw new Error('GITHUB_OUTPUT is not set: run this inside an Actions job');
  appendFileSync(file, `${name}=${value}\n`);
}

/** Reports a failure the runner shows on the step, without exiting the process. */
export function setFailed(message: string, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`::error::${message.replace(/\r?\n/g, ' ')}\n`);
  process.exitCode = 1;
}
