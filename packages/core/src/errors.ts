/**
 * The one error type `@mesh/core` throws. Library errors (Headscale, Tailscale, Syncthing,
 * platform) are mapped to it by {@link toMeshError} so the CLI has a single thing to print:
 * a one-line message, a hint, and the exit code documented in apps/cli/README.md.
 */

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
  // No 8: no command takes one device that pairing could refuse (`mesh peer --device-id` is
  // the user's own act of trust), so refused devices are a result (`refused[]`), not a failure.
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** What a {@link MeshError} is about; decides its exit code. */
export type MeshErrorKind = Exclude<keyof typeof ExitCode, 'ok'>;

const BRAND = Symbol.for('@mesh/core/error');

export interface MeshErrorOptions {
  /** The underlying library error. */
  cause?: unknown;
  /** One sentence telling the user what to do next. */
  hint?: string;
  /** @default 'failure' */
  kind?: MeshErrorKind;
}

/** Base error of `@mesh/core`. `message` is one line and never contains a secret. */
export class MeshError extends Error {
  override name = 'MeshError';
  /** What to do next (one line). */
  readonly hint: string;
  readonly kind: MeshErrorKind;
  readonly [BRAND] = true;

  constructor(message: string, options: MeshErrorOptions = {}) {
    super(
      redactSecrets(firstLine(message)),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.kind = options.kind ?? 'failure';
    this.hint = redactSecrets(options.hint ?? '');
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
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}

// Headscale pre-auth keys (hskey-auth-..., or 48 hex chars before 0.28), API keys
// (hskey-api-..., or `prefix.secret`), Tailscale keys (tskey-...), Syncthing API keys are
// random 32-char strings we cannot recognise by shape, so callers must never put them in text.
const SECRET_PATTERNS: RegExp[] = [
  /hskey-[a-z]+-[A-Za-z0-9_-]+/g,
  /tskey-[A-Za-z0-9_-]+/g,
  /\b[a-f0-9]{48,}\b/g,
  /(--auth-?key[= ])\S+/g,
  /(X-API-Key:\s*)\S+/gi,
];

/** Replaces anything that looks like an auth key or API key with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) {
    out = out.replace(p, (match, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return out;
}
