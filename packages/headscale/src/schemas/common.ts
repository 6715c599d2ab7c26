import * as z from 'zod/mini';
import type { RegisterMethod } from '../types.js';

/** Go's zero time (0001-01-01T00:00:00Z) in Unix seconds: means "not set". */
export const GO_ZERO_UNIX = -62135596800;

/** RFC 3339 string (or null) to Date; Go's zero time and null become undefined. */
export function rfc3339ToDate(value: string | null | undefined): Date | undefined {
  if (value == null || value === '' || value.startsWith('0001-01-01')) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** protobuf `{seconds,nanos}` as dumped by the CLI to Date; zero time becomes undefined. */
export function pbTimeToDate(
  value: { seconds?: number | undefined; nanos?: number | undefined } | null | undefined,
): Date | undefined {
  if (value == null) return undefined;
  const seconds = value.seconds ?? 0;
  if (seconds <= GO_ZERO_UNIX) return undefined;
  return new Date(seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6));
}

/**
 * A user's name. Mesh finds users by name, and a user without one is a malformed answer:
 * better a validation error naming the field than a `User` whose `name` is missing.
 */
export const userName = z
  .string({ error: 'a user needs a name' })
  .check(z.minLength(1, { error: 'a user needs a name' }));

const METHODS: RegisterMethod[] = ['unspecified', 'authKey', 'cli', 'oidc'];

/** Register method from the CLI's enum number or REST's `REGISTER_METHOD_*` name. */
export function registerMethod(value: number | string | undefined): RegisterMethod {
  if (typeof value === 'number') return METHODS[value] ?? 'unspecified';
  switch (value) {
    case 'REGISTER_METHOD_AUTH_KEY':
      return 'authKey';
    case 'REGISTER_METHOD_CLI':
      return 'cli';
    case 'REGISTER_METHOD_OIDC':
      return 'oidc';
    default:
      return 'unspecified';
  }
}

/** `T` with every property optional and non-null (what {@link compact} returns). */
export type Compacted<T> = { [K in keyof T]?: Exclude<T[K], undefined | null> };

/**
 * Drops undefined, null and empty-string values: the CLI omits what REST sends as `""` or `null`,
 * and both must yield identical objects. For optional fields only: required ones are set
 * directly, so a missing value is never hidden.
 */
export function compact<T extends object>(value: T): Compacted<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v != null && v !== '') out[k] = v;
  return out as Compacted<T>;
}

/** Effective tags: flat `tags` (0.28+), or forced ∪ valid tags (<= 0.27). */
export function effectiveTags(
  tags?: string[] | null,
  forced?: string[] | null,
  valid?: string[] | null,
): string[] {
  if (tags && tags.length > 0) return [...tags];
  return [...new Set([...(forced ?? []), ...(valid ?? [])])];
}
