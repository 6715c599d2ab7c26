import { execa } from 'execa';

/** What one finished process call produced. Non-zero exits are results, not throws. */
export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the process after this many milliseconds. @default 30000 */
  timeout?: number;
  /** Text written to standard input (the way secrets reach a process: never argv). */
  input?: string;
  /** Extra environment variables, merged over the current environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * Runs a program. Every process Mesh starts goes through one of these, so the lab can point
 * a whole library at a network namespace by handing it another runner.
 */
export interface Runner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** The argv prefix this runner adds (for example `ip netns exec NS`), for long-lived processes. */
  readonly prefix: readonly string[];
}

/** Thrown when a program cannot be started at all or is killed by the timeout. */
export class RunError extends Error {
  override readonly name = 'RunError';
  readonly hint: string;
  constructor(message: string, options: { cause?: unknown; hint: string }) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A runner that starts programs directly, optionally behind an argv prefix. */
export function createRunner(prefix: readonly string[] = []): Runner {
  return {
    prefix,
    async run(file, args, options = {}) {
      const [bin, ...rest] = [...prefix, file, ...args] as [string, ...string[]];
      const command = [file, ...args].join(' ');
      const result = await execa(bin, rest, {
        reject: false,
        timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
        ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
        ...(options.env ? { env: options.env } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.signal ? { cancelSignal: options.signal } : {}),
        stripFinalNewline: true,
      });
      if (result.failed && result.exitCode === undefined && !result.timedOut) {
        throw new RunError(`could not run ${file}: ${result.shortMessage}`, {
          cause: result,
          hint: `check that ${file} is installed and on PATH`,
        });
      }
      return {
        command,
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        timedOut: result.timedOut,
      };
    },
  };
}

/** A runner whose programs run inside network namespace `name` (`ip netns exec`). */
export function namespaceRunner(name: string): Runner {
  return createRunner(['ip', 'netns', 'exec', name]);
}
