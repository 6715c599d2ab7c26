/** Whether to colour a stream: only a TTY, never with NO_COLOR set (https://no-color.org). */
export function useColour(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Style = keyof typeof CODES;

export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled) return text;
  const close = style === 'bold' || style === 'dim' ? 22 : 39;
  return `\u001b[${CODES[style]}m${text}\u001b[${close}m`;
}
