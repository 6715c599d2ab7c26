/**
 * zod schemas for the REST wire format (grpc-gateway protojson): camelCase, uint64 IDs as strings,
 * RFC 3339 timestamps, enum names. Each maps into the domain types of `../types.ts`.
 */

import { z } from 'zod';
import type { ApiKey, Node, Policy, PreAuthKey, User } from '../types.js';
import { compact, effectiveTags, registerMethod, rfc3339ToDate, userName } from './common.js';

const id = z.union([z.string(), z.number()]).transform(String);
const time = z.string().nullish();
const strings = z.array(z.string()).nullish();

export const restUser = z
  .object({
    id,
    name: userName,
    createdAt: time,
    displayName: z.string().nullish(),
    email: z.string().nullish(),
    providerId: z.string().nullish(),
    provider: z.string().nullish(),
    profilePicUrl: z.string().nullish(),
  })
  .transform(
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
  );

export const restPreAuthKey = z
  .object({
    id: id.optional(),
    key: z.string().default(''),
    // <= 0.25 sent a user name here; 0.26+ a full User.
    user: z.union([restUser, z.string()]).nullish(),
    reusable: z.boolean().default(false),
    ephemeral: z.boolean().default(false),
    used: z.boolean().default(false),
    expiration: time,
    createdAt: time,
    aclTags: strings,
  })
  .transform(
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
  );

export const restNode = z
  .object({
    id,
    machineKey: z.string().default(''),
    nodeKey: z.string().default(''),
    discoKey: z.string().default(''),
    ipAddresses: strings,
    name: z.string().default(''),
    user: restUser.nullish(),
    lastSeen: time,
    expiry: time,
    preAuthKey: restPreAuthKey.nullish(),
    createdAt: time,
    registerMethod: z.string().optional(),
    givenName: z.string().default(''),
    online: z.boolean().default(false),
    approvedRoutes: strings,
    availableRoutes: strings,
    subnetRoutes: strings,
    tags: strings,
    forcedTags: strings,
    validTags: strings,
  })
  .transform(
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
  );

export const restApiKey = z
  .object({ id, prefix: z.string().default(''), expiration: time, createdAt: time, lastSeen: time })
  .transform(
    (k): ApiKey => ({
      id: k.id,
      prefix: k.prefix,
      ...compact({
        expiration: rfc3339ToDate(k.expiration),
        createdAt: rfc3339ToDate(k.createdAt),
        lastSeen: rfc3339ToDate(k.lastSeen),
      }),
    }),
  );

export const restUsers = z
  .object({ users: z.array(restUser).nullish() })
  .transform((r) => r.users ?? []);
export const restUserEnvelope = z.object({ user: restUser }).transform((r) => r.user);
export const restPreAuthKeys = z
  .object({ preAuthKeys: z.array(restPreAuthKey).nullish() })
  .transform((r) => r.preAuthKeys ?? []);
export const restPreAuthKeyEnvelope = z
  .object({ preAuthKey: restPreAuthKey })
  .transform((r) => r.preAuthKey);
export const restNodes = z
  .object({ nodes: z.array(restNode).nullish() })
  .transform((r) => r.nodes ?? []);
export const restNodeEnvelope = z.object({ node: restNode }).transform((r) => r.node);
export const restApiKeys = z
  .object({ apiKeys: z.array(restApiKey).nullish() })
  .transform((r) => r.apiKeys ?? []);
export const restCreatedApiKey = z
  .object({ apiKey: z.string().min(1) })
  .transform((r) => ({ key: r.apiKey }));
export const restPolicy = z
  .object({ policy: z.string().default(''), updatedAt: time })
  .transform(
    (p): Policy => ({ policy: p.policy, ...compact({ updatedAt: rfc3339ToDate(p.updatedAt) }) }),
  );
export const restHealth = z.object({ databaseConnectivity: z.boolean().default(false) });
export const restVersion = z.object({ version: z.string(), commit: z.string().optional() });
export const restEmpty = z.unknown();
/** grpc-gateway error body. */
export const restError = z.object({ code: z.number().optional(), message: z.string().optional() });
export const healthBody = z.object({ status: z.string() });
