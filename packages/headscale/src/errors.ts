/**
 * One error hierarchy for `@mesh/headscale`, on the error contract every Mesh package follows:
 * every error carries a never-empty `hint` (what to do next) and, where a request or command was
 * involved, a redacted description of it: API keys and pre-auth keys never appear in a message.
 */

import {
  ABORT_HINT,
  type CommandErrorFields,
  ContractError,
  type ContractErrorOptions,
  errorBrand,
  hasBrand,
  redact,
  type TimeoutErrorFields,
} from '@mesh/errors';

/** Options common to every Headscale error. */
export interface HeadscaleErrorOptions extends ContractErrorOptions {
  /** The underlying error (an undici error, an execa result, a zod issue list...). */
  cause?: unknown;
  /** One sentence telling the user what to do next. */
  hint?: string;
  /** HTTP method of the failed request, if any. */
  method?: string;
  /** URL of the failed request (query secrets redacted), if any. */
  url?: string;
  /** The command line of the failed CLI call (secrets redacted), if any. */
  command?: string;
  /** HTTP status, if the server answered. */
  status?: number;
}

const BRAND = errorBrand('headscale');

/** Base class of every error thrown by `@mesh/headscale`. */
export class HeadscaleError extends ContractError {
  override name = 'HeadscaleError';
  readonly method?: string;
  readonly url?: string;
  readonly command?: string;
  readonly status?: number;

  constructor(message: string, options: HeadscaleErrorOptions = {}) {
    super(message, options, BRAND);
    if (options.method !== undefined) this.method = options.method;
    if (options.url !== undefined) this.url = redact(options.url);
    if (options.command !== undefined) this.command = redact(options.command);
    if (options.status !== undefined) this.status = options.status;
  }
}

/** The server rejected the API key (HTTP 401), or no key was given for a REST call. */
export class HeadscaleAuthError extends HeadscaleError {
  override name = 'HeadscaleAuthError';
}

/** The server (HTTP port or unix socket) could not be reached, or the request timed out. */
export class HeadscaleConnectionError extends HeadscaleError {
  override name = 'HeadscaleConnectionError';
  /**
   * True when the request was cut by the timeout rather than refused, that is for a
   * {@link HeadscaleTimeoutError}.
   */
  readonly timedOut: boolean;
  constructor(message: string, options: HeadscaleErrorOptions & { timedOut?: boolean } = {}) {
    super(message, options);
    this.timedOut = options.timedOut ?? false;
  }
}

/**
 * The server (HTTP, unix socket or the `headscale` CLI talking to it) did not answer within the
 * timeout. A {@link HeadscaleConnectionError} too, with `timedOut` true.
 */
export class HeadscaleTimeoutError extends HeadscaleConnectionError implements TimeoutErrorFields {
  override name = 'HeadscaleTimeoutError';
  readonly timeoutMs: number | undefined;
  constructor(
    message: string,
    options: HeadscaleErrorOptions & { timeoutMs?: number | undefined } = {},
  ) {
    super(message, { ...options, timedOut: true });
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller aborted the request through its own `AbortSignal`. */
export class HeadscaleAbortError extends HeadscaleError {
  override name = 'HeadscaleAbortError';
  constructor(message: string, options: HeadscaleErrorOptions = {}) {
    super(message, { ...options, hint: options.hint ?? ABORT_HINT });
  }
}

/** A user, node, key or policy that the call refers to does not exist. */
export class HeadscaleNotFoundError extends HeadscaleError {
  override name = 'HeadscaleNotFoundError';
}

/** The running Headscale version lacks the requested feature. */
export class HeadscaleUnsupportedError extends HeadscaleError {
  override name = 'HeadscaleUnsupportedError';
  /** The detected server version, e.g. `0.27.1`. */
  readonly version: string;
  /** The feature that is missing, e.g. `preAuthKeys.delete`. */
  readonly feature: string;
  constructor(
    feature: string,
    version: string,
    options: HeadscaleErrorOptions & { since?: string } = {},
  ) {
    const since = options.since ? ` (needs Headscale ${options.since} or newer)` : '';
    super(`Headscale ${version} does not support ${feature}${since}`, {
      hint: options.since
        ? `upgrade Headscale to ${options.since}+ (one minor at a time)`
        : 'upgrade Headscale',
      ...options,
    });
    this.version = version;
    this.feature = feature;
  }
}

/** Invalid configuration options, or the config/unit file could not be written. */
export class HeadscaleConfigError extends HeadscaleError {
  override name = 'HeadscaleConfigError';
}

/** A `headscale` CLI call failed (non-zero exit, could not start, or unparsable output). */
export class HeadscaleCommandError extends HeadscaleError implements CommandErrorFields {
  override name = 'HeadscaleCommandError';
  /** The command line (redacted); empty when the thrower did not say. */
  declare readonly command: string;
  /** Exit code, or -1 if the process did not exit normally. */
  readonly exitCode: number;
  /** Standard error (redacted). */
  readonly stderr: string;
  constructor(
    message: string,
    options: HeadscaleErrorOptions & { exitCode?: number; stderr?: string } = {},
  ) {
    super(message, { ...options, command: options.command ?? '' });
    this.exitCode = options.exitCode ?? -1;
    this.stderr = redact(options.stderr ?? '');
  }
}

/** The server answered with something that does not match the expected schema, or a non-mapped error status. */
export class HeadscaleApiError extends HeadscaleError {
  override name = 'HeadscaleApiError';
}

/** True for any error thrown by this package (works across duplicate copies of the package). */
export function isHeadscaleError(value: unknown): value is HeadscaleError {
  return hasBrand(value, BRAND);
}
