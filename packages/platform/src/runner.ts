import { execa } from 'execa';
import {
  CommandFailedError,
  PlatformAbortError,
  PlatformError,
  PlatformTimeoutError,
} from './errors.js';

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
  /** A file streamed to standard input (binary safe, never held whole in memory). */
  inputFile?: string;
  /** Extra environment variables, merged over the current environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
  /**
   * Hands this process's terminal over (stdin, stdout and stderr inherited, nothing captured):
   * for a program a person answers, such as a password prompt. `input` is ignored.
   */
  terminal?: boolean;
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

/** Thrown when a program cannot be started at all (not found, not executable). */
export class RunError extends PlatformError {
  override readonly name: string = 'RunError';
  constructor(message: string, options: { cause?: unknown; hint: string }) {
    super(message, options);
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
        ...(options.terminal
          ? { stdio: 'inherit' as const }
          : options.input !== undefined
            ? { input: options.input }
            : options.inputFile !== undefined
              ? { inputFile: options.inputFile }
              : { stdin: 'ignore' as const }),
        ...(options.env ? { env: options.env } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.signal ? { cancelSignal: options.signal } : {}),
        stripFinalNewline: true,
      });
      // A cancelled program did start: it is no missing program, and no result either.
      if (result.isCanceled) {
        throw new PlatformAbortError(`${file} aborted by the caller`, {
          cause: options.signal?.reason ?? result,
        });
      }
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

/**
 * Runs a program and throws {@link CommandFailedError} unless it exits with one of `okCodes`.
 * For calls whose failure is a real error rather than an expected state.
 */
export async function runChecked(
  runner: Runner,
  file: string,
  args: readonly string[],
  options: RunOptions & { okCodes?: readonly number[]; hint?: string } = {},
): Promise<RunResult> {
  const { okCodes = [0], hint, ...runOptions } = options;
  const result = await runner.run(file, args, runOptions);
  if (result.timedOut) {
    throw new PlatformTimeoutError(
      result.command,
      result.exitCode,
      result.stderr || result.stdout,
      { hint: `${file} timed out`, timeoutMs: runOptions.timeout ?? DEFAULT_TIMEOUT_MS },
    );
  }
  if (!okCodes.includes(result.exitCode)) {
    throw new CommandFailedError(result.command, result.exitCode, result.stderr || result.stdout, {
      ...(hint === undefined ? {} : { hint }),
    });
  }
  return result;
}
