/**
 * zod schemas for the REST wire format (grpc-gateway protojson): camelCase, uint64 IDs as strings,
 * RFC 3339 timestamps, enum names. Each maps into the domain types of `../types.ts`.
 */

import * as z from 'zod/mini';
import type { ApiKey, Node, Policy, PreAuthKey, User } from '../types.js';
import { compact, effectiveTags, registerMethod, rfc3339ToDate, userName } from './common.js';

const id = z.pipe(z.union([z.string(), z.number()]), z.transform(String));
const time = z.nullish(z.string());
const strings = z.nullish(z.array(z.string()));

export const restUser = z.pipe(
  z.object({
    id,
    name: userName,
    createdAt: time,
    displayName: z.nullish(z.string()),
    email: z.nullish(z.string()),
    providerId: z.nullish(z.string()),
    provider: z.nullish(z.string()),
    profilePicUrl: z.nullish(z.string()),
  }),
  z.transform(
    (u): User => ({
      id: u.id,
      name: u.name,
      ...compact({
        displayName: u.displayName ?? undefined,
        email: u.email ?? undefined,
        provider: u.provider ?? undefined,
        providerId: u.providerId ?? undefined,
        profilePicUrl: u.profilePicUrl ?? undefined,
        createdAt: rfc3339ToDate(u.createdAt),
      }),
    }),
  ),
);

export const restPreAuthKey = z.pipe(
  z.object({
    id: z.optional(id),
    key: z._default(z.string(), ''),
    // <= 0.25 sent a user name here; 0.26+ a full User.
    user: z.nullish(z.union([restUser, z.string()])),
    reusable: z._default(z.boolean(), false),
    ephemeral: z._default(z.boolean(), false),
    used: z._default(z.boolean(), false),
    expiration: time,
    createdAt: time,
    aclTags: strings,
  }),
  z.transform(
    (k): PreAuthKey => ({
      id: k.id ?? '',
      key: k.key,
      reusable: k.reusable,
      ephemeral: k.ephemeral,
      used: k.used,
      aclTags: k.aclTags ?? [],
      ...compact({
        user: typeof k.user === 'object' && k.user !== null ? k.user : undefined,
        expiration: rfc3339ToDate(k.expiration),
        createdAt: rfc3339ToDate(k.createdAt),
      }),
    }),
  ),
);

export const restNode = z.pipe(
  z.object({
    id,
    machineKey: z._default(z.string(), ''),
    nodeKey: z._default(z.string(), ''),
    discoKey: z._default(z.string(), ''),
    ipAddresses: strings,
    name: z._default(z.string(), ''),
    user: z.nullish(restUser),
    lastSeen: time,
    expiry: time,
    preAuthKey: z.nullish(restPreAuthKey),
    createdAt: time,
    registerMethod: z.optional(z.string()),
    givenName: z._default(z.string(), ''),
    online: z._default(z.boolean(), false),
    approvedRoutes: strings,
    availableRoutes: strings,
    subnetRoutes: strings,
    tags: strings,
    forcedTags: strings,
    validTags: strings,
  }),
  z.transform(
    (n): Node => ({
      id: n.id,
      name: n.name,
      givenName: n.givenName,
      ipAddresses: n.ipAddresses ?? [],
      machineKey: n.machineKey,
      nodeKey: n.nodeKey,
      discoKey: n.discoKey,
      online: n.online,
      registerMethod: registerMethod(n.registerMethod),
      tags: effectiveTags(n.tags, n.forcedTags, n.validTags),
      approvedRoutes: n.approvedRoutes ?? [],
      availableRoutes: n.availableRoutes ?? [],
      subnetRoutes: n.subnetRoutes ?? [],
      ...compact({
        user: n.user ?? undefined,
        lastSeen: rfc3339ToDate(n.lastSeen),
        expiry: rfc3339ToDate(n.expiry),
        createdAt: rfc3339ToDate(n.createdAt),
        preAuthKey: n.preAuthKey ?? undefined,
      }),
    }),
  ),
);

export const restApiKey = z.pipe(
  z.object({
    id,
    prefix: z._default(z.string(), ''),
    expiration: time,
    createdAt: time,
    lastSeen: time,
  }),
  z.transform(
    (k): ApiKey => ({
      id: k.id,
      prefix: k.prefix,
      ...compact({
        expiration: rfc3339ToDate(k.expiration),
        createdAt: rfc3339ToDate(k.createdAt),
        lastSeen: rfc3339ToDate(k.lastSeen),
      }),
    }),
  ),
);

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
  z.transform(
    (p): Policy => ({ policy: p.policy, ...compact({ updatedAt: rfc3339ToDate(p.updatedAt) }) }),
  ),
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
