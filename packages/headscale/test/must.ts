/**
 * The value, or a thrown error naming what was missing: a checked stand-in for the `!`
 * non-null assertion in tests, so a missing value fails with a message instead of a TypeError.
 */
export function must<T>(value: T | null | undefined, what = 'value'): T {
  if (value == null) throw new Error(`expected ${what} to be defined`);
  return value;
}
