/**
 * Whether to colour a stream. NO_COLOR wins (https://no-color.org); then FORCE_COLOR as Node
 * reads it (`0`/`false` off, ``/`true`/`1`..`3` on, even off a TTY); else only a TTY whose TERM
 * is not `dumb`.
 */
export function useColour(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const forced = forceColour(env['FORCE_COLOR']);
  if (forced !== undefined) return forced;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** FORCE_COLOR's verdict, or undefined when it is unset or not a value Node understands. */
function forceColour(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'true') return true;
  if (v === 'false') return false;
  if (!/^\d+$/.test(v)) return undefined;
  return Number(v) > 0;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Style = keyof typeof CODES;

export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled) return text;
  const close = style === 'bold' || style === 'dim' ? 22 : 39;
  return `\u001b[${CODES[style]}m${text}\u001b[${close}m`;
}
