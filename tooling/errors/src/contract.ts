/**
 * The error contract of every Mesh package.
 *
 * 1. Every error a package throws extends {@link ContractError}: its `name` is its class name
 *    (what `@mesh/core`'s `toMeshError` maps exit codes by, so it is API), `cause` is kept, and
 *    `hint` says what to do next and is never empty ({@link FALLBACK_HINT} when the thrower knew
 *    nothing better).
 * 2. Message and hint never carry a secret: both pass through {@link redact}, which puts
 *    {@link REDACTED} where a key was.
 * 3. A package brands its errors with `Symbol.for('@mesh/<package>/error')` ({@link errorBrand});
 *    its `isXError(value)` is {@link hasBrand}, true across duplicate copies of the package.
 * 4. A program that failed is a command error with {@link CommandErrorFields}; an operation that ran
 *    out of time is a `<Package>TimeoutError` with {@link TimeoutErrorFields}; one the caller's
 *    `AbortSignal` ended is a `<Package>AbortError` whose hint defaults to {@link ABORT_HINT}.
 *
 * This file is shared as source: each package bundles its own copy into its dist (tsup
 * `noExternal`), so a published package, `@mesh/syncthing-client` above all, depends on no
 * `@mesh` package at run time.
 */

import { config, type core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/** What {@link redact} puts where a secret was. */
export const REDACTED = '[REDACTED]';

/** The hint of an error whose thrower gave none. */
export const FALLBACK_HINT = 'see the message and cause';

/** The hint of an abort error whose thrower gave none. */
export const ABORT_HINT = 'the operation was cancelled';

/** Options every error constructor accepts. */
export interface ContractErrorOptions {
  /** The underlying error (an undici error, a process result, a zod error...). */
  cause?: unknown;
  /** One sentence telling the user what to do next. */
  hint?: string | undefined;
}

/** The brand of the errors of `@mesh/<owner>`. */
export function errorBrand(owner: string): symbol {
  return Symbol.for(`@mesh/${owner}/error`);
}

/**
 * True when `value` carries `brand`. A symbol from `Symbol.for`, not `instanceof`, because an
 * application can hold two copies of one package (a bundle and a node_modules install).
 */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}

/** The base of every Mesh error class; each package derives its own base from it. */
export abstract class ContractError extends Error {
  /** What to do next: one sentence, never empty, never a secret. */
  readonly hint: string;

  /**
   * @param brand the package's {@link errorBrand}
   * @param fallbackHint the hint when `options.hint` is missing or blank
   */
  constructor(
    message: string,
    options: ContractErrorOptions,
    brand: symbol,
    fallbackHint: string = FALLBACK_HINT,
  ) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    // Not enumerable: the brand stays out of JSON, `util.inspect` and deep-equality checks.
    Object.defineProperty(this, brand, { value: true });
    this.hint = redact(
      options.hint !== undefined && options.hint.trim() !== '' ? options.hint : fallbackHint,
    );
  }
}

/**
 * True for a hint that says nothing about this failure in particular ({@link FALLBACK_HINT}), so
 * that a caller who knows more (the CLI's exit-code table) uses its own.
 */
export function isFallbackHint(hint: unknown): boolean {
  return typeof hint !== 'string' || hint.trim() === '' || hint === FALLBACK_HINT;
}

/** The fields of every error that stands for a program that failed. */
export interface CommandErrorFields {
  /** The command line, secrets redacted. */
  readonly command: string;
  /** Its exit status; -1 when it did not exit by itself (killed, timed out). */
  readonly exitCode: number;
  /** What it printed on standard error, secrets redacted. */
  readonly stderr: string;
}

/** The fields of every `<Package>TimeoutError`. */
export interface TimeoutErrorFields {
  /** The time limit that ran out, in milliseconds, when the thrower knows it. */
  readonly timeoutMs: number | undefined;
}

// Secrets handed to this process at run time, whatever their shape. Kept on globalThis so every
// copy of this module (one per bundled package) redacts what any other copy was told.
const SECRETS = Symbol.for('@mesh/errors/secrets');

function rememberedSecrets(): Set<string> {
  const store = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  let secrets = store[SECRETS];
  if (!secrets) {
    secrets = new Set();
    store[SECRETS] = secrets;
  }
  return secrets;
}

/**
 * Makes {@link redact} remove `secret` from any later text. Shorter values are ignored: they
 * would also match innocent words.
 */
export function rememberSecret(secret: string): void {
  if (secret.length >= 8) rememberedSecrets().add(secret);
}

// A key that is already `kind-[REDACTED]` must not match again (redact is idempotent), hence the
// lookahead standing in for an atomic group.
const KEY = /\b(hskey|tskey)-(?=([A-Za-z0-9_-]+))\2(?!\[)/g;
/** The key's type (`auth-`, `api-`, `client-`) is kept: it tells which key was wrong. */
const KEY_TYPE = /^[a-z]+-/;

/** Secrets whose value follows a label that is kept, e.g. `--auth-key=`. */
const LABELLED: readonly RegExp[] = [
  // `scheme://user:password@`
  /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+(?=@)/gi,
  // `?api_key=...`, `token=...`, `password=...`
  // A value ends at a quote too: the text around it (`"…?token=…"`) stays whole.
  /((?:api[-_]?key|token|password)=)[^&\s#"'`]+/gi,
  /(X-API-Key:\s*)[^\s"'`]+/gi,
  /(Bearer\s+)[^\s"'`]+/gi,
  // A `file:` reference names where the key is, not the key.
  /(--auth-?key[= ])(?!file:)[^\s"'`]+/gi,
  /\b(auth-?key[=: ]+)(?!file:)[A-Za-z0-9_-]{16,}/gi,
];

/** Secrets recognised by shape alone. */
const BARE: readonly RegExp[] = [
  // Headscale pre-auth keys before 0.28.
  /\b[0-9a-f]{48}\b/g,
  // Headscale API keys before 0.28: `prefix.secret`.
  /\b[A-Za-z0-9_-]{5,12}\.[A-Za-z0-9_-]{20,}\b/g,
];

/**
 * Replaces every secret in `text` with {@link REDACTED}: remembered ones
 * ({@link rememberSecret}), Headscale and Tailscale keys, URL credentials and API-key query
 * parameters, `Authorization`/`X-API-Key` values and `--auth-key` arguments. A Syncthing API key
 * is random text with no shape to recognise, so it must never be put in text (or must be
 * remembered). Redacting twice changes nothing.
 */
export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...rememberedSecrets()].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  out = out.replace(
    KEY,
    (_match, kind: string, body: string) => `${kind}-${KEY_TYPE.exec(body)?.[0] ?? ''}${REDACTED}`,
  );
  for (const re of LABELLED) out = out.replace(re, `$1${REDACTED}`);
  for (const re of BARE) out = out.replace(re, REDACTED);
  return out;
}

/**
 * The error of a failed `safeParse`, its messages in English: zod/mini ships no messages, and
 * the packages' errors quote them. English is set only when the application chose no locale of
 * its own, and before the error is first read, because a `safeParse` result writes its messages
 * then.
 */
export function englishError(failed: { readonly error: core.$ZodError }): core.$ZodError {
  if (!config().localeError) config(en());
  return failed.error;
}

// Waiting (abortable sleep, retry backoff) lives beside the contract so that it, too, exists once.
export { type BackoffOptions, backoffDelay, sleep } from './timing.js';
