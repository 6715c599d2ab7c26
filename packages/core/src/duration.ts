import { MeshError } from './errors.js';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
} as const;
type Unit = keyof typeof UNIT_MS;

/**
 * The longest Go `time.Duration` (2^63-1 ns), in whole milliseconds. Headscale parses key
 * lifetimes as Go durations, so nothing longer can reach it.
 */
export const MAX_DURATION_MS = 9_223_372_036_854;

const HINT =
  'use numbers with units ms, s, m, h, d or w, written together: 500ms, 90s, 1m30s, 1h30m, 7d';

export interface DurationOptions {
  /** What the value is, for the message, such as `--expiration`. @default 'duration' */
  name?: string;
  /** The longest duration accepted, in milliseconds. @default MAX_DURATION_MS (about 292 years) */
  max?: number;
}

/** The outcome of {@link safeParseDuration}: milliseconds, or why the text is not a duration. */
export type DurationResult = { success: true; ms: number } | { success: false; problem: string };

/**
 * Reads a duration the way Go's `time.ParseDuration` does (numbers with units, written together,
 * fractions allowed: `1h30m`, `1.5h`, `90s`, `500ms`), plus days `d` and weeks `w`. Only
 * positive durations of at least 1 ms are accepted; there is no bare number, because `60` could
 * mean seconds or minutes. Never throws.
 */
export function safeParseDuration(value: string, options: DurationOptions = {}): DurationResult {
  const text = value.trim();
  const fail = (problem: string): DurationResult => ({ success: false, problem });
  if (text === '') return fail('it is empty');
  if (text.startsWith('-')) return fail('it is negative');
  if (/\s/.test(text)) return fail('it has spaces in it');
  let rest = text;
  let total = 0;
  while (rest !== '') {
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(rest)?.[0];
    if (number === undefined) {
      const done = text.slice(0, text.length - rest.length);
      return fail(
        done === '' ? 'it does not start with a number' : `no number after ${JSON.stringify(done)}`,
      );
    }
    rest = rest.slice(number.length);
    // As in Go, the unit is everything up to the next number.
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') return fail(`missing unit after ${number}`);
    if (!Object.hasOwn(UNIT_MS, unit)) return fail(`unknown unit ${JSON.stringify(unit)}`);
    rest = rest.slice(unit.length);
    total += Number(number) * UNIT_MS[unit as Unit];
  }
  const ms = Math.round(total);
  if (ms <= 0) return fail(total === 0 ? 'it is zero' : 'it is shorter than 1ms');
  const max = options.max ?? MAX_DURATION_MS;
  if (ms > max) return fail(`it is longer than the maximum of ${formatDuration(max)}`);
  return { success: true, ms };
}

/**
 * {@link safeParseDuration}, throwing a `badInput` {@link MeshError} (exit code 4) that names the
 * value and shows valid examples.
 */
export function parseDuration(value: string, options: DurationOptions = {}): number {
  const result = safeParseDuration(value, options);
  if (result.success) return result.ms;
  throw new MeshError(
    `invalid ${options.name ?? 'duration'} ${JSON.stringify(value)}: ${result.problem}`,
    { kind: 'badInput', hint: HINT },
  );
}

/** Writes milliseconds as {@link parseDuration} reads them, largest unit first: `1d2h`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNIT_MS[unit];
  }
  return out;
}
