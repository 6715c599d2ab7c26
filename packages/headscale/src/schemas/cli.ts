/**
 * zod schemas for `headscale ... -o json`: Go's encoding/json dump of the protobuf structs,
 * snake_case, zero values omitted, timestamps as `{seconds,nanos}`, numeric IDs and enums. The
 * objects themselves are described once, in `./wire.ts`; this file holds the CLI's encoding and
 * the outputs only the CLI prints.
 */

import * as z from 'zod/mini';
import { pbTimeToDate, registerMethod } from './common.js';
import { wireSchemas } from './wire.js';

const cli = wireSchemas({
  naming: 'snake',
  time: z.pipe(
    z.nullish(z.object({ seconds: z.optional(z.number()), nanos: z.optional(z.number()) })),
    z.transform(pbTimeToDate),
  ),
  registerMethod: z.pipe(
    z.optional(z.number()),
    z.transform((value) => registerMethod(value)),
  ),
});

export const cliUser = cli.user;
export const cliPreAuthKey = cli.preAuthKey;
export const cliNode = cli.node;
export const cliApiKey = cli.apiKey;

/** Lists print `null` when empty. */
export const cliList = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    z.nullable(z.array(item)),
    z.transform((v) => v ?? []),
  );
/** `apikeys create -o json` prints the key as a JSON string. */
export const cliCreatedApiKey = z.pipe(
  z.string().check(z.minLength(1)),
  z.transform((key) => ({ key })),
);
export const cliHealth = z.object({ database_connectivity: z._default(z.boolean(), false) });
export const cliVersion = z.union([
  z.object({ version: z.string(), commit: z.optional(z.string()) }),
  z.pipe(
    z.string(),
    z.transform((version) => ({ version, commit: undefined })),
  ),
]);
/** `-o json` error body on stderr. */
export const cliError = z.object({ error: z.string() });
