import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { REDACTED, redact } from '@mesh/errors';

/**
 * The Actions runner protocol, written from the runner's documented behaviour (workflow
 * commands on stdout, file commands through `GITHUB_OUTPUT` / `GITHUB_STATE`). Nothing here
 * knows about Mesh: it is the whole boundary between a job and the action.
 */

/** Where the action writes; tests hand in strings-collecting streams. */
export interface ActionStreams {
  stdout: { write(chunk: string): unknown };
}

/** Escapes data for a workflow command so a message always stays on one physical line. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The env var name the runner uses for an input: `INPUT_` + upper case, spaces as `_`. */
export function inputEnvName(name: string): string {
  // Hyphens are kept: `accept-routes` arrives as INPUT_ACCEPT-ROUTES.
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * One action run's view of the runner: inputs and state from `env`, commands to `stdout`,
 * outputs and state into the files the runner names. Every secret registered with
 * {@link ActionProtocol.setSecret} is masked for the runner and also redacted here, so it
 * cannot leak even where the runner's masking does not apply (local runs, files, tests).
 */
export class ActionProtocol {
  readonly env: NodeJS.ProcessEnv;
  readonly #out: ActionStreams['stdout'];
  readonly #secrets = new Set<string>();

  constructor(env: NodeJS.ProcessEnv = process.env, streams: ActionStreams = process) {
    this.env = env;
    this.#out = streams.stdout;
  }

  /** An input's value, trimmed; `''` when unset. */
  getInput(name: string): string {
    return (this.env[inputEnvName(name)] ?? '').trim();
  }

  /**
   * Hides `value` in every later log line. Call it before anything else is printed: the
   * runner only masks lines that come after the `add-mask` command.
   */
  setSecret(value: string): void {
    if (value === '') return;
    this.#secrets.add(value);
    // The runner masks per line, so a multi-line secret is registered line by line too.
    for (const line of value.split(/\r?\n/)) {
      if (line !== '') this.#secrets.add(line);
      this.#write(`::add-mask::${escapeData(line)}${EOL}`, false);
    }
  }

  /**
   * Replaces every registered secret in `s`, and every key Mesh's one `redact` recognises, with
   * `[REDACTED]`: the same marker as every other Mesh message.
   */
  redact(s: string): string {
    let out = s;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(REDACTED);
    }
    return redact(out);
  }

  info(message: string): void {
    this.#write(`${message}${EOL}`);
  }

  debug(message: string): void {
    this.#write(`::debug::${escapeData(message)}${EOL}`);
  }

  warning(message: string): void {
    this.#write(`::warning::${escapeData(message)}${EOL}`);
  }

  /** One `::error::` line; the runner shows it as the step's annotation. */
  error(message: string): void {
    this.#write(`::error::${escapeData(message)}${EOL}`);
  }

  /** Runs `fn` inside a collapsible log group; the group is closed even when `fn` throws. */
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.#write(`::group::${escapeData(name)}${EOL}`);
    try {
      return await fn();
    } finally {
      this.#write(`::endgroup::${EOL}`);
    }
  }

  /** Sets a step output (`steps.<id>.outputs.<name>`). */
  setOutput(name: string, value: string): void {
    this.#fileCommand('GITHUB_OUTPUT', name, value);
  }

  /** Saves a value for the post step, which reads it back with {@link getState}. */
  saveState(name: string, value: string): void {
    this.#fileCommand('GITHUB_STATE', name, value);
  }

  /** A value saved by the main step: the runner hands it to `post` as `STATE_<name>`. */
  getState(name: string): string {
    return this.env[`STATE_${name}`] ?? '';
  }

  #write(text: string, redact = true): void {
    this.#out.write(redact ? this.redact(text) : text);
  }

  /**
   * Appends `name<<DELIM\nvalue\nDELIM` (the multi-line-safe form) to the file the runner
   * named in `envName`. The delimiter is random and checked, so no value can end it early.
   */
  #fileCommand(envName: 'GITHUB_OUTPUT' | 'GITHUB_STATE', name: string, value: string): void {
    const file = this.env[envName];
    if (!file) {
      throw new Error(
        `${envName} is not set: run this inside an Actions job (or set it to a file)`,
      );
    }
    const delimiter = `ghadelimiter_${randomUUID()}`;
    const safe = this.redact(value);
    if (name.includes(delimiter) || safe.includes(delimiter)) {
      throw new Error(`${envName}: "${name}" contains the delimiter ${delimiter}`);
    }
    appendFileSync(file, `${name}<<${delimiter}${EOL}${safe}${EOL}${delimiter}${EOL}`, 'utf8');
  }
}

/**
 * Reads a `GITHUB_OUTPUT`/`GITHUB_STATE` file back (both forms: `k=v` and heredoc), the way
 * the runner does. Used by tests, and by anyone driving the action without a runner.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++] ?? '');
      if (i >= lines.length) throw new Error(`unterminated value for "${name}"`);
      result[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed file command line: ${line}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** Turns an outputs/state file into the `STATE_<name>` environment the runner gives `post`. */
export function stateEnv(state: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
}
