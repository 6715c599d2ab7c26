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

const BRAND = errorBrand('platform');

/**
 * The one error hierarchy of `@mesh/platform`, on the error contract every Mesh package follows:
 * each error has a `name`, keeps its `cause`, carries a never-empty `hint` that tells the user
 * what to do next, and no secret in message or hint.
 */
export class PlatformError extends ContractError {
  override readonly name: string = 'PlatformError';
  constructor(message: string, options: ContractErrorOptions = {}) {
    super(message, options, BRAND);
  }
}

/** True for any error thrown by this package, even from another copy of it. */
export function isPlatformError(value: unknown): value is PlatformError {
  return hasBrand(value, BRAND);
}

/** A setting (environment variable or `.env` entry) has a value Mesh cannot use. */
export class PlatformConfigError extends PlatformError {
  override readonly name: string = 'PlatformConfigError';
  /** The variable that is wrong, for example `MESH_SHARED_FOLDER_LINUX`. */
  readonly variable: string;
  /** The `.env` line that is wrong, when the fault is in a file (line numbers from 1). */
  readonly location?: { file: string; line: number };
  constructor(
    variable: string,
    message: string,
    options: { cause?: unknown; hint?: string; location?: { file: string; line: number } } = {},
  ) {
    const { location, ...rest } = options;
    super(`${location ? `${location.file}:${location.line}: ` : ''}${variable}: ${message}`, {
      ...rest,
      hint:
        options.hint ??
        (location
          ? `fix line ${location.line} of ${location.file}; nothing was changed`
          : `fix ${variable} in the environment or in .env`),
    });
    this.variable = variable;
    if (location) this.location = location;
  }
}

/** A file could not be read, parsed or written. */
export class FileEditError extends PlatformError {
  override readonly name: string = 'FileEditError';
  readonly path: string;
  constructor(path: string, message: string, options: ContractErrorOptions = {}) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** A program ran but exited with a status the caller did not accept. */
export class CommandFailedError extends PlatformError implements CommandErrorFields {
  override readonly name: string = 'CommandFailedError';
  readonly command: string;
  readonly exitCode: number;
  readonly stderr: string;
  constructor(
    command: string,
    exitCode: number,
    stderr: string,
    options: ContractErrorOptions = {},
  ) {
    const detail = stderr.trim().split('\n').slice(-3).join(' | ');
    super(`${command} exited with ${exitCode}${detail ? `: ${detail}` : ''}`, options);
    this.command = redact(command);
    this.exitCode = exitCode;
    this.stderr = redact(stderr);
  }
}

/** A program did not finish within its timeout and was killed (`exitCode` is -1). */
export class PlatformTimeoutError extends CommandFailedError implements TimeoutErrorFields {
  override readonly name: string = 'PlatformTimeoutError';
  readonly timeoutMs: number | undefined;
  constructor(
    command: string,
    exitCode: number,
    stderr: string,
    options: ContractErrorOptions & { timeoutMs?: number | undefined } = {},
  ) {
    super(command, exitCode, stderr, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller's `AbortSignal` stopped a program before it finished. */
export class PlatformAbortError extends PlatformError {
  override readonly name: string = 'PlatformAbortError';
  constructor(message: string, options: ContractErrorOptions = {}) {
    super(message, { ...options, hint: options.hint ?? ABORT_HINT });
  }
}

/** The operation needs a platform or a facility (systemd, WSL interop, a package manager) this host lacks. */
export class UnsupportedPlatformError extends PlatformError {
  override readonly name: string = 'UnsupportedPlatformError';
}

/** A service could not be installed, started, stopped or queried. */
export class ServiceError extends PlatformError {
  override readonly name: string = 'ServiceError';
}

/** The sshd configuration Mesh produced (or found) does not pass `sshd -t`. */
export class SshdConfigError extends PlatformError {
  override readonly name: string = 'SshdConfigError';
}

/** A path cannot be converted between its Windows and WSL forms. */
export class PathConversionError extends PlatformError {
  override readonly name: string = 'PathConversionError';
}
