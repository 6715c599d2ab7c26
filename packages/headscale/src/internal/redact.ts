// Secrets Headscale hands out: `hskey-api-<prefix>-<secret>` / `hskey-auth-<prefix>-<secret>` (0.28+),
// legacy API keys `<10 char prefix>.<secret>` and legacy 48-hex pre-auth keys (<= 0.27).
const PATTERNS: RegExp[] = [
  /hskey-(?:api|auth|client)-[A-Za-z0-9_]+-[A-Za-z0-9_-]+/g,
  /\b[A-Za-z0-9_-]{5,12}\.[A-Za-z0-9_-]{20,}\b/g,
  /\b[0-9a-f]{48}\b/g,
  /(Bearer\s+)\S+/gi,
];

const extra = new Set<string>();

/** Remember a secret value so that every later message has it removed, whatever its shape. */
export function registerSecret(value: string): void {
  if (value.length >= 8) extra.add(value);
}

/** Replace every known secret shape in `text` with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of extra) out = out.split(secret).join('***');
  for (const re of PATTERNS)
    out = out.replace(re, (_m, bearer?: string) =>
      typeof bearer === 'string' ? `${bearer}***` : '***',
    );
  return out;
}
