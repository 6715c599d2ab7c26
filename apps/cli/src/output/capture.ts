import { Output } from './output.js';

/** An {@link Output} whose streams are string collectors, for tests. */
export interface CapturedOutput {
  out: Output;
  /** What was written to stdout, chunk by chunk. */
  stdout: string[];
  /** What was written to stderr, chunk by chunk. */
  stderr: string[];
  /** stdout as one string. */
  text(): string;
  /** stderr as one string. */
  errText(): string;
  /** Both streams as one string, in the order written (what a terminal shows). */
  allText(): string;
}

/**
 * An `Output` that collects what it prints instead of writing it: human mode, off a TTY and with
 * an empty environment (so no colour) unless `json`, `tty` (both streams) or `env` say otherwise.
 */
export function capturedOutput(
  o: { json?: boolean; env?: NodeJS.ProcessEnv; tty?: boolean } = {},
): CapturedOutput {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const all: string[] = [];
  const collector = (chunks: string[]) => ({
    write: (s: string) => {
      chunks.push(s);
      all.push(s);
      return true;
    },
    isTTY: o.tty === true,
  });
  const out = new Output({
    json: o.json ?? false,
    env: o.env ?? {},
    streams: { stdout: collector(stdout), stderr: collector(stderr) },
  });
  return {
    out,
    stdout,
    stderr,
    text: () => stdout.join(''),
    errText: () => stderr.join(''),
    allText: () => all.join(''),
  };
}
