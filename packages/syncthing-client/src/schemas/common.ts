import * as z from 'zod/mini';

/**
 * A list Syncthing may send as `null` (Go's nil slice) or leave out: always an array after parsing.
 */
export function list<T extends z.ZodMiniType>(item: T) {
  return z.pipe(
    z.nullish(z.array(item)),
    z.transform((v): z.output<T>[] => v ?? []),
  );
}

/** A map Syncthing may send as `null`: always an object after parsing. */
export function dict<T extends z.ZodMiniType>(value: T) {
  return z.pipe(
    z.nullish(z.record(z.string(), value)),
    z.transform((v): Record<string, z.output<T>> => v ?? {}),
  );
}

/** RFC 3339 timestamp as sent by Go (kept as a string; `0001-01-01T00:00:00Z` means "never"). */
export const timestamp = z.string();

/** `{"ok":"…"}` answers of shutdown/restart/reset. */
export const OkMessageSchema = z.looseObject({ ok: z.string() });
export type OkMessage = z.infer<typeof OkMessageSchema>;
