/**
 * zod schemas for the REST wire format (grpc-gateway protojson): camelCase, uint64 IDs as strings,
 * RFC 3339 timestamps, enum names. The objects themselves are described once, in `./wire.ts`;
 * this file holds REST's encoding and the envelopes around it.
 */

import * as z from 'zod/mini';
import type { Policy } from '../types.js';
import { compact, registerMethod, rfc3339ToDate } from './common.js';
import { wireSchemas } from './wire.js';

const time = z.pipe(z.nullish(z.string()), z.transform(rfc3339ToDate));

const rest = wireSchemas({
  naming: 'camel',
  time,
  registerMethod: z.pipe(
    z.optional(z.string()),
    z.transform((value) => registerMethod(value)),
  ),
});

export const restUser = rest.user;
export const restPreAuthKey = rest.preAuthKey;
export const restNode = rest.node;
export const restApiKey = rest.apiKey;

export const restUsers = z.pipe(
  z.object({ users: z.nullish(z.array(restUser)) }),
  z.transform((r) => r.users ?? []),
);
export const restUserEnvelope = z.pipe(
  z.object({ user: restUser }),
  z.transform((r) => r.user),
);
export const restPreAuthKeys = z.pipe(
  z.object({ preAuthKeys: z.nullish(z.array(restPreAuthKey)) }),
  z.transform((r) => r.preAuthKeys ?? []),
);
export const restPreAuthKeyEnvelope = z.pipe(
  z.object({ preAuthKey: restPreAuthKey }),
  z.transform((r) => r.preAuthKey),
);
export const restNodes = z.pipe(
  z.object({ nodes: z.nullish(z.array(restNode)) }),
  z.transform((r) => r.nodes ?? []),
);
export const restNodeEnvelope = z.pipe(
  z.object({ node: restNode }),
  z.transform((r) => r.node),
);
export const restApiKeys = z.pipe(
  z.object({ apiKeys: z.nullish(z.array(restApiKey)) }),
  z.transform((r) => r.apiKeys ?? []),
);
export const restCreatedApiKey = z.pipe(
  z.object({ apiKey: z.string().check(z.minLength(1)) }),
  z.transform((r) => ({ key: r.apiKey })),
);
export const restPolicy = z.pipe(
  z.object({ policy: z._default(z.string(), ''), updatedAt: time }),
  z.transform((p): Policy => ({ policy: p.policy, ...compact({ updatedAt: p.updatedAt }) })),
);
export const restHealth = z.object({ databaseConnectivity: z._default(z.boolean(), false) });
export const restVersion = z.object({ version: z.string(), commit: z.optional(z.string()) });
export const restEmpty = z.unknown();
/** grpc-gateway error body. */
export const restError = z.object({
  code: z.optional(z.number()),
  message: z.optional(z.string()),
});
export const healthBody = z.object({ status: z.string() });
