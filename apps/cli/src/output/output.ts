import type { Reporter, WaitHandle } from '@mesh/core';
import { paint, useColour } from './colour.js';

/**
 * How long a wait runs before its `... what` line appears: one that ends sooner prints nothing.
 * Long enough to hide a check that answers at once, short enough to show a real wait promptly.
 */
export const QUIET_WAIT_MS = 300;

/** Where output goes; tests pass string collectors. */
export interface OutputStreams {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

export interface OutputOptions {
  /** Machine mode: stdout holds exactly one JSON document; human lines are not printed. */
  json: boolean;
  streams?: OutputStreams;
  env?: NodeJS.ProcessEnv;
}

/**
 * The CLI's one way to print. Human mode: `INFO:`/`OK:`/`WARN:`/`ERROR:`
 * prefixes, `=== Section ===` headers, colour as {@link useColour} decides. Progress for
 * anything that waits goes to stderr so stdout stays parseable.
 */
export class Output implements Reporter {
  readonly json: boolean;
  private readonly out: OutputStreams['stdout'];
  private readonly err: OutputStreams['stderr'];
  private readonly colourOut: boolean;
  private readonly colourErr: boolean;

  constructor(options: OutputOptions) {
    const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
    this.json = options.json;
    this.out = streams.stdout;
    this.err = streams.stderr;
    this.colourOut = useColour(this.out, options.env);
    this.colourErr = useColour(this.err, options.env);
  }

  info(message: string): void {
    this.human(`${paint(this.colourOut, 'blue', 'INFO:')} ${message}`);
  }

  ok(message: string): void {
    this.human(`${paint(this.colourOut, 'green', 'OK:')} ${message}`);
  }

  warn(message: string): void {
    this.human(`${paint(this.colourOut, 'yellow', 'WARN:')} ${message}`);
  }

  /** An error line, always on stderr (also in JSON mode, where stdout carries the JSON error). */
  error(message: string, hint?: string): void {
    this.err.write(`${paint(this.colourErr, 'red', 'ERROR:')} ${message}\n`);
    if (hint) this.err.write(`${paint(this.colourErr, 'dim', 'Hint:')} ${hint}\n`);
  }

  /** A warning on stderr (shown in JSON mode too), for things the user must see. */
  warnErr(message: string): void {
    this.err.write(`${paint(this.colourErr, 'yellow', 'WARN:')} ${message}\n`);
  }

  /** A blank line then `=== Title ===`. */
  section(title: string): void {
    this.human(`\n${paint(this.colourOut, 'bold', `=== ${title} ===`)}`);
  }

  /** A plain line (human mode only). */
  line(text = ''): void {
    this.human(text);
  }

  /** `  Key: value` lines, keys aligned. */
  fields(rows: ReadonlyArray<readonly [string, string | number | boolean | undefined]>): void {
    const shown = rows.filter(([, v]) => v !== undefined);
    const width = Math.max(0, ...shown.map(([k]) => k.length)) + 1;
    for (const [k, v] of shown) this.human(`  ${`${k}:`.padEnd(width)} ${String(v)}`);
  }

  /**
   * What an idempotent step changed, one INFO line each, or OK "nothing to change". For a step
   * that reports nothing as it goes; one whose reporter printed each change takes
   * {@link changeCount}.
   */
  changes(result: { changed: boolean; changes: readonly string[] }): void {
    if (!result.changed) {
      this.ok('nothing to change');
      return;
    }
    for (const c of result.changes) this.info(`changed: ${c}`);
  }

  /**
   * The closing line of a step whose reporter printed each change as it was made (setup's
   * `OK: Created ...`): `OK: 3 changes`, or `OK: nothing to change`. Listing them again would
   * print each twice; `--json` has them in `changes`.
   */
  changeCount(result: { changed: boolean; changes: readonly string[] }): void {
    if (!result.changed) {
      this.ok('nothing to change');
      return;
    }
    const n = result.changes.length;
    this.ok(n === 0 ? 'changed' : `${n} change${n === 1 ? '' : 's'}`);
  }

  /** A table with a header row; columns padded to their widest cell. */
  table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
    );
    const fmt = (cells: readonly string[]) =>
      `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
    this.human(paint(this.colourOut, 'bold', fmt(header)));
    for (const r of rows) this.human(fmt(r));
  }

  /** Colours a word for human output (`online` green, `offline` red...). */
  colour(style: 'red' | 'green' | 'yellow' | 'dim' | 'bold', text: string): string {
    return paint(this.colourOut, style, text);
  }

  /**
   * The one JSON document of a `--json` run; human mode ignores it. Every command's document
   * says `ok`, and what is not known is `null`, never a missing key (so `jq .x` tells "unknown"
   * from a typo).
   */
  result(data: { ok: boolean } & Record<string, unknown>): void {
    if (!this.json) return;
    const text = JSON.stringify(data, (_key, value) => (value === undefined ? null : value), 2);
    this.out.write(`${text}\n`);
  }

  /**
   * Progress for something that waits, on stderr: a `... message` line once it has waited
   * {@link QUIET_WAIT_MS}, and the elapsed time when it ends. Shown in JSON mode too (stderr is
   * not parsed). A wait that ends sooner prints nothing: it was a daemon already up or a check
   * that answered at once, and a `done (0.0s)` for it reads as work done. A failure always
   * prints.
   */
  wait(message: string): WaitHandle {
    const started = Date.now();
    const tty = this.err.isTTY === true;
    let shown = false;
    const timer = setTimeout(() => {
      shown = true;
      this.err.write(`${paint(this.colourErr, 'dim', '...')} ${message}${tty ? '' : '\n'}`);
    }, QUIET_WAIT_MS);
    // A wait nobody ends (its caller threw) must not keep the process alive.
    timer.unref();
    let finished = false;
    const end = (ok: boolean, text?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (ok && !shown && ms < QUIET_WAIT_MS) return;
      const secs = (ms / 1000).toFixed(1);
      const mark = ok
        ? paint(this.colourErr, 'green', 'done')
        : paint(this.colourErr, 'red', 'failed');
      const tail = `${mark} (${secs}s)${text ? ` ${text}` : ''}`;
      // The TTY's start line waits on its own line for the tail; otherwise the line is whole.
      this.err.write(shown && tty ? ` ${tail}\n` : `... ${message}: ${tail}\n`);
    };
    return { done: (t) => end(true, t), fail: (t) => end(false, t) };
  }

  private human(text: string): void {
    if (!this.json) this.out.write(`${text}\n`);
  }
}
