/**
 * One error hierarchy for `@mesh/tailscale`, on the error contract every Mesh package follows:
 * every error has a `name`, a never-empty `hint` (what to do next) and keeps its `cause`; auth
 * keys are redacted from messages and hints.
 */

import {
  ABORT_HINT,
  type CommandErrorFields,
  ContractError,
  errorBrand,
  hasBrand,
  redact,
  type TimeoutErrorFields,
} from '@mesh/errors';

/** Options common to every Tailscale error. */
export interface TailscaleErrorOptions {
  /** The underlying error (an undici error, a RunResult, a zod error…). */
  cause?: unknown;
  /** One sentence telling the user what to do next. */
  hint?: string;
}

const BRAND = errorBrand('tailscale');

/** Base class of every error thrown by `@mesh/tailscale`. */
export class TailscaleError extends ContractError {
  override name = 'TailscaleError';

  constructor(message: string, options: TailscaleErrorOptions = {}) {
    super(message, options, BRAND);
  }
}

/** True for any error thrown by this package (works across duplicated module copies). */
export function isTailscaleError(e: unknown): e is TailscaleError {
  return hasBrand(e, BRAND);
}

/** tailscaled's LocalAPI socket or pipe could not be reached (not running, wrong path). */
export class TailscaleDaemonUnreachableError extends TailscaleError {
  override name = 'TailscaleDaemonUnreachableError';
  readonly socketPath: string;
  constructor(socketPath: string, options: TailscaleErrorOptions = {}) {
    super(`cannot reach tailscaled at ${socketPath}`, {
      hint: 'start tailscaled, or pass the socketPath it was started with (--socket)',
      ...options,
    });
    this.socketPath = socketPath;
  }
}

/** The LocalAPI answered with an HTTP error status. */
export class TailscaleLocalApiError extends TailscaleError {
  override name = 'TailscaleLocalApiError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(
    method: string,
    path: string,
    status: number,
    body: string,
    options: TailscaleErrorOptions = {},
  ) {
    super(`${method} ${path} failed: HTTP ${status}: ${body.trim().slice(0, 500)}`, {
      hint:
        status === 403
          ? 'the LocalAPI denied access: run as root or as the tailscaled operator user'
          : 'see the daemon log (tailscale debug daemon-logs)',
      ...options,
    });
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

/** An answer from tailscaled or the CLI did not have the expected shape. */
export class TailscaleSchemaError extends TailscaleError {
  override name = 'TailscaleSchemaError';
}

/** A `tailscale` CLI call exited non-zero (every CLI failure exits 1; see `stderr`). */
export class TailscaleCommandError extends TailscaleError implements CommandErrorFields {
  override name = 'TailscaleCommandError';
  /** The command line, auth keys redacted. */
  readonly command: string;
  readonly exitCode: number;
  readonly stderr: string;
  constructor(
    command: string,
    exitCode: number,
    stderr: string,
    options: TailscaleErrorOptions = {},
  ) {
    super(`${command} exited ${exitCode}: ${stderr.trim().slice(0, 500)}`, options);
    this.command = redact(command);
    this.exitCode = exitCode;
    this.stderr = redact(stderr);
  }
}

/** The node could not reach the control server (Headscale) before the timeout. */
export class TailscaleControlUnreachableError extends TailscaleError {
  override name = 'TailscaleControlUnreachableError';
  readonly controlUrl: string;
  constructor(controlUrl: string, detail: string, options: TailscaleErrorOptions = {}) {
    super(`control server ${controlUrl} is unreachable: ${detail}`, {
      hint: 'check that headscale is running and that server_url is reachable from this node',
      ...options,
    });
    this.controlUrl = controlUrl;
  }
}

/** Why the control server refused an auth key. */
export type AuthKeyRejection = 'invalid' | 'expired' | 'used';

/** The control server refused the auth key. */
export class TailscaleAuthKeyError extends TailscaleError {
  override name = 'TailscaleAuthKeyError';
  readonly reason: AuthKeyRejection;
  /** The control server's own words (redacted). */
  readonly serverMessage: string;
  constructor(
    reason: AuthKeyRejection,
    serverMessage: string,
    options: TailscaleErrorOptions = {},
  ) {
    const hints: Record<AuthKeyRejection, string> = {
      invalid:
        'the key does not exist on this control server: create one (headscale preauthkeys create)',
      expired: 'the key has expired: create a new one, with a longer --expiration if needed',
      used: 'the single-use key was already used: create a new one, or a --reusable key',
    };
    super(`auth key rejected (${reason}): ${serverMessage}`, { hint: hints[reason], ...options });
    this.reason = reason;
    this.serverMessage = redact(serverMessage);
  }
}

/** The operation did not finish within its timeout. */
export class TailscaleTimeoutError extends TailscaleError implements TimeoutErrorFields {
  override name = 'TailscaleTimeoutError';
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, options: TailscaleErrorOptions = {}) {
    super(`${what} timed out after ${timeoutMs} ms`, {
      hint: 'check health with `tailscale status`; raise the timeout if the network is slow',
      ...options,
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted through its own `AbortSignal`. */
export class TailscaleAbortError extends TailscaleError {
  override name = 'TailscaleAbortError';
  constructor(message: string, options: TailscaleErrorOptions = {}) {
    super(message, { ...options, hint: options.hint ?? ABORT_HINT });
  }
}
