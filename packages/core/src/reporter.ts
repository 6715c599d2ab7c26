/**
 * How core functions tell their caller what they are doing. The CLI prints these as the
 * `INFO:`/`OK:`/`WARN:` lines; library users can pass nothing (silent).
 */
export interface Reporter {
  info(message: string): void;
  /** A step that is done (or was already done: "… already …"). */
  ok(message: string): void;
  warn(message: string): void;
  /** Something that waits (a daemon starting, a node joining); call `done` or `fail` once. */
  wait(message: string): WaitHandle;
}

export interface WaitHandle {
  done(message?: string): void;
  fail(message?: string): void;
}

/** A reporter that drops everything. */
export const silentReporter: Reporter = {
  info() {},
  ok() {},
  warn() {},
  wait() {
    return { done() {}, fail() {} };
  },
};

/**
 * A reporter that keeps its lines for later: work done in the background tells what it did
 * when its result is taken (`replay`), not in the middle of another step. Waits print nothing:
 * they are over by then.
 */
export function heldReporter(): Reporter & { replay(to: Reporter): void } {
  const lines: Array<['info' | 'ok' | 'warn', string]> = [];
  return {
    info: (m) => void lines.push(['info', m]),
    ok: (m) => void lines.push(['ok', m]),
    warn: (m) => void lines.push(['warn', m]),
    wait: () => silentReporter.wait(''),
    replay(to) {
      for (const [kind, m] of lines.splice(0)) to[kind](m);
    },
  };
}

/** Runs `fn` between `wait(message)` and `done`/`fail`. */
export async function waitFor<T>(
  reporter: Reporter,
  message: string,
  fn: () => Promise<T>,
): Promise<T> {
  const handle = reporter.wait(message);
  try {
    const value = await fn();
    handle.done();
    return value;
  } catch (error) {
    handle.fail();
    throw error;
  }
}
