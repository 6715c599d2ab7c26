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
