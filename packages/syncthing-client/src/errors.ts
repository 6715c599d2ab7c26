/**
 * The one error hierarchy of `@mesh/syncthing-client`, on the error contract every Mesh package
 * follows. Every error thrown by the client is a {@link SyncthingError}; subclasses say what kind
 * of failure it was, and `hint` what to try next (never empty). Messages name the HTTP method and
 * URL (credentials redacted) and never contain the API key.
 */

import {
  ABORT_HINT,
  ContractError,
  errorBrand,
  hasBrand,
  redact,
  type TimeoutErrorFields,
} from '@mesh/errors';

const BRAND = errorBrand('syncthing-client');

/** Common fields for every error. */
export interface SyncthingErrorOptions {
  cause?: unknown;
  /** A sentence telling the user what to try. */
  hint?: string | undefined;
  /** HTTP method of the failed call, when there was one. */
  method?: string | undefined;
  /** URL of the failed call, credentials redacted. */
  url?: string | undefined;
}

/** Base class of every error thrown by this package. */
export class SyncthingError extends ContractError {
  override name = 'SyncthingError';
  /** HTTP method of the failed call, when there was one. */
  readonly method: string | undefined;
  /** URL of the failed call with credentials redacted (the API key is never in it). */
  readonly url: string | undefined;

  constructor(message: string, options: SyncthingErrorOptions = {}) {
    super(message, options, BRAND);
    this.method = options.method;
    this.url = options.url === undefined ? undefined : redact(options.url);
  }
}

/** True for any error thrown by this package, even across duplicated package copies. */
export function isSyncthingError(error: unknown): error is SyncthingError {
  return hasBrand(error, BRAND);
}

/** The server answered with a non-2xx status. `body` is the (plain-text) error Syncthing sent. */
export class SyncthingHttpError extends SyncthingError {
  override name = 'SyncthingHttpError';
  /** HTTP status code. */
  readonly status: number;
  /** Response body, truncated to 1 KiB (Syncthing's REST errors are plain text). */
  readonly body: string;

  constructor(status: number, body: string, options: SyncthingErrorOptions = {}) {
    const text = body.trim().slice(0, 1024);
    super(
      `${options.method ?? 'GET'} ${options.url ?? ''} failed: ${status}${text ? ` ${text}` : ''}`,
      options,
    );
    this.status = status;
    this.body = text;
  }
}

/** 401/403: wrong or missing API key (Syncthing answers `403 CSRF Error`), or a Host check. */
export class SyncthingAuthError extends SyncthingHttpError {
  override name = 'SyncthingAuthError';
}

/** 404: the object (folder, device, file) does not exist. */
export class SyncthingNotFoundError extends SyncthingHttpError {
  override name = 'SyncthingNotFoundError';
}

/** The TCP connection could not be made or broke (refused, unreachable, reset, closed mid-body). */
export class SyncthingConnectionError extends SyncthingError {
  override name = 'SyncthingConnectionError';
  /** Node/undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly code: string | undefined;

  constructor(
    message: string,
    options: SyncthingErrorOptions & { code?: string | undefined } = {},
  ) {
    super(message, options);
    this.code = options.code;
  }
}

/** The call took longer than its `timeout`. */
export class SyncthingTimeoutError extends SyncthingError implements TimeoutErrorFields {
  override name = 'SyncthingTimeoutError';
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number | undefined;

  constructor(message: string, options: SyncthingErrorOptions & { timeoutMs?: number } = {}) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller's `signal` aborted the call. Never retried. */
export class SyncthingAbortError extends SyncthingError {
  override name = 'SyncthingAbortError';
  constructor(message: string, options: SyncthingErrorOptions = {}) {
    super(message, { ...options, hint: options.hint ?? ABORT_HINT });
  }
}

/** The server's answer was not JSON, or did not match the schema. `issues` holds zod's findings. */
export class SyncthingInvalidResponseError extends SyncthingError {
  override name = 'SyncthingInvalidResponseError';
  /** zod issues (when the JSON parsed but had the wrong shape). */
  readonly issues: readonly unknown[];
  /** Start of the offending body, for diagnosis. */
  readonly bodySnippet: string;

  constructor(
    message: string,
    options: SyncthingErrorOptions & { issues?: readonly unknown[]; body?: string } = {},
  ) {
    super(message, options);
    this.issues = options.issues ?? [];
    this.bodySnippet = (options.body ?? '').slice(0, 512);
  }
}

/** The endpoint or feature needs a newer (or older) Syncthing than the server runs. */
export class SyncthingUnsupportedError extends SyncthingError {
  override name = 'SyncthingUnsupportedError';
  /** The server version, e.g. `v1.19.2-ds1`, when known. */
  readonly serverVersion: string | undefined;
  /** The version range the feature needs, e.g. `>= 1.21.0`. */
  readonly requires: string;

  constructor(
    feature: string,
    requires: string,
    options: SyncthingErrorOptions & { serverVersion?: string | undefined } = {},
  ) {
    super(
      `${feature} needs Syncthing ${requires}${options.serverVersion ? `, server runs ${options.serverVersion}` : ''}`,
      { hint: `upgrade Syncthing to ${requires}, or avoid ${feature}`, ...options },
    );
    this.serverVersion = options.serverVersion;
    this.requires = requires;
  }
}

/**
 * Removes userinfo and API-key-like query parameters from a URL string: the one `redact` of
 * every Mesh package, kept under this name for existing callers.
 */
export function redactUrl(url: string): string {
  return redact(url);
}
