/**
 * Key shapes that must never reach a message: Headscale pre-auth keys (`hskey-auth-…`), Tailscale
 * keys (`tskey-auth-…`, `tskey-client-…`), and a legacy 48-hex Headscale key after an
 * `auth-key`/`authkey` word.
 */
const PATTERNS: readonly RegExp[] = [
  /\b(hskey-[a-z]+-)[A-Za-z0-9_-]+/g,
  /\b(tskey-[a-z]+-)[A-Za-z0-9_-]+/g,
  /\b(auth-?key[=: ]+)(?!file:)[A-Za-z0-9_-]{16,}/gi,
];

const REDACTED = '[REDACTED]';

/** Secrets handed to this process at run time (exact strings), redacted wherever they appear. */
const known = new Set<string>();

/** Registers a secret so that {@link redact} removes it from any text. */
export function rememberSecret(secret: string): void {
  if (secret.length >= 8) known.add(secret);
}

/** Replaces every auth key in `text` with `[REDACTED]`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of known) out = out.split(secret).join(REDACTED);
  for (const re of PATTERNS) out = out.replace(re, `$1${REDACTED}`);
  return out;
}
