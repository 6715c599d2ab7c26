/**
 * The one error type `@mesh/core` throws. Library errors (Headscale, Tailscale, Syncthing,
 * platform) are mapped to it by {@link toMeshError} so the CLI has a single thing to print:
 * a one-line message, a hint, and the exit code documented in apps/cli/README.md. It follows the
 * error contract every Mesh package shares (`@mesh/errors`): never-empty hint, symbol brand,
 * one redaction.
 */

import { ContractError, errorBrand, hasBrand, redact } from '@mesh/errors';

/** Exit codes shared by every `mesh` command (documented in apps/cli/README.md). */
export const ExitCode = {
  /** Everything worked (or `mesh status`: healthy). */
  ok: 0,
  /** A step failed for a reason not covered below. */
  failure: 1,
  /** The command line itself is wrong: unknown command or flag, missing argument. */
  usage: 2,
  /** `mesh status` ran and found problems. */
  unhealthy: 3,
  /** Bad input or configuration: malformed URL, invalid device ID, wrong role, missing key. */
  badInput: 4,
  /** The Headscale server could not be reached (connection refused, timeout, DNS). */
  serverUnreachable: 5,
  /** The server refused the pre-auth key or API key. */
  authRejected: 6,
  /** A local service Mesh needs (tailscaled, Syncthing, Headscale) is not running or not answering. */
  serviceDown: 7,
  /**
   * A machine reached over SSH (`mesh host status`, `mesh remote ...`) did not let mesh in: no
   * answer, connection refused, a host key that changed, or the key refused. (Refused Syncthing
   * devices are a result, `refused[]`, not a failure: no command takes one device that pairing
   * could refuse.)
   */
  hostUnreachable: 8,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** What a {@link MeshError} is about; decides its exit code. */
export type MeshErrorKind = Exclude<keyof typeof ExitCode, 'ok'>;

const BRAND = errorBrand('core');

/** What to do next for a {@link MeshError} of each kind whose thrower knew nothing better. */
const KIND_HINTS: Readonly<Partial<Record<MeshErrorKind, string>>> = {
  usage: 'see mesh <command> --help',
  unhealthy: 'fix what the failed checks name, then run the command again',
  badInput: 'check the value and run the command again',
  serverUnreachable:
    'check the server URL and that Headscale is running (mesh server status on the server)',
  authRejected: 'create a new key on the server with: mesh server keygen',
  serviceDown: 'start the service, then run the command again (mesh status shows what is down)',
  hostUnreachable: 'check the address and port with mesh host list, then try ssh NAME by hand',
};

/** The hint a {@link MeshError} of `kind` has when it is given none. */
export function hintForKind(kind: MeshErrorKind): string {
  return KIND_HINTS[kind] ?? 'run again with --debug for details';
}

export interface MeshErrorOptions {
  /** The underlying library error. */
  cause?: unknown;
  /** One sentence telling the user what to do next. @default the kind's generic hint */
  hint?: string;
  /** @default 'failure' */
  kind?: MeshErrorKind;
}

/** Base error of `@mesh/core`. `message` is one line and never contains a secret. */
export class MeshError extends ContractError {
  override name = 'MeshError';
  readonly kind: MeshErrorKind;

  constructor(message: string, options: MeshErrorOptions = {}) {
    const kind = options.kind ?? 'failure';
    super(firstLine(message), options, BRAND, hintForKind(kind));
    this.kind = kind;
  }

  /** The process exit code for this error (see {@link ExitCode}). */
  get exitCode(): ExitCodeValue {
    return ExitCode[this.kind];
  }

  /** The error as JSON for `--json` output (message and hint are already redacted). */
  toJSON(): { name: string; kind: MeshErrorKind; message: string; hint: string; exitCode: number } {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      hint: this.hint,
      exitCode: this.exitCode,
    };
  }
}

/** True for any {@link MeshError}, even from another copy of this package. */
export function isMeshError(value: unknown): value is MeshError {
  return hasBrand(value, BRAND);
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}

/**
 * Replaces anything that looks like an auth key or API key with `[REDACTED]`: the one redaction
 * of every Mesh package. Syncthing API keys are random text with no shape to recognise, so
 * callers must never put them in text.
 */
export function redactSecrets(text: string): string {
  return redact(text);
}
