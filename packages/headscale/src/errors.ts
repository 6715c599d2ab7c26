/**
 * One error hierarchy for `@mesh/headscale`. Every error carries a `hint` (what to do next) and,
 * where a request or command was involved, a redacted description of it: API keys and pre-auth
 * keys never appear in a message.
 */

import { redact } from './internal/redact.js';

/** Options common to every Headscale error. */
export interface HeadscaleErrorOptions {
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

const BRAND = Symbol.for('@mesh/headscale/error');

/** Base class of every error thrown by `@mesh/headscale`. */
export class HeadscaleError extends Error {
  override name = 'HeadscaleError';
  /** What to do next. */
  readonly hint: string;
  readonly method?: string;
  readonly url?: string;
  readonly command?: string;
  readonly status?: number;
  readonly [BRAND] = true;

  constructor(message: string, options: HeadscaleErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = redact(options.hint ?? 'see the error message and cause');
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
  /** True when the request was cut by the timeout rather than refused. */
  readonly timedOut: boolean;
  constructor(message: string, options: HeadscaleErrorOptions & { timedOut?: boolean } = {}) {
    super(message, options);
    this.timedOut = options.timedOut ?? false;
  }
}

/** The caller aborted the request through its own `AbortSignal`. */
export class HeadscaleAbortError extends HeadscaleError {
  override name = 'HeadscaleAbortError';
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

/** A `headscale` CLI call failed (non-zero exit, timeout, or unparsable output). */
export class HeadscaleCommandError extends HeadscaleError {
  override name = 'HeadscaleCommandError';
  /** Exit code, or -1 if the process did not exit normally. */
  readonly exitCode: number;
  /** Standard error (redacted). */
  readonly stderr: string;
  constructor(
    message: string,
    options: HeadscaleErrorOptions & { exitCode?: number; stderr?: string } = {},
  ) {
    super(message, options);
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
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}
