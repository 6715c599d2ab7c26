/** What {@link exitOnClosedPipe} needs of a stream: its 'error' event. */
export interface ErrorEventSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface ClosedPipeOptions {
  /** Ends the process. @default process.exit */
  exit?: (code: number) => void;
  /** The code to end with. @default process.exitCode when a command set it, else 0 */
  exitCode?: () => number;
}

/**
 * Ends the process quietly once the reader of one of `streams` has gone (`mesh status | head -2`).
 * Node ignores SIGPIPE, so a closed pipe arrives as an EPIPE 'error' event that, unhandled,
 * prints a stack trace; nobody reads what would follow, so stopping is what SIGPIPE would do.
 * Other write errors are thrown again, as if there were no listener.
 */
export function exitOnClosedPipe(
  streams: readonly ErrorEventSource[],
  options: ClosedPipeOptions = {},
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const exitCode = options.exitCode ?? currentExitCode;
  for (const stream of streams) {
    stream.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      exit(exitCode());
    });
  }
}

function currentExitCode(): number {
  const code = Number(process.exitCode ?? 0);
  return Number.isInteger(code) ? code : 0;
}
