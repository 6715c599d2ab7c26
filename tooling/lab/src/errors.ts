/** The one error class of the lab. `hint` says what to do about it. */
export class LabError extends Error {
  override readonly name = 'LabError';
  readonly hint: string | undefined;
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}
