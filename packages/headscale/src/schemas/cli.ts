/**
 * zod schemas for `headscale ... -o json`: Go's encoding/json dump of the protobuf structs,
 * snake_case, zero values omitted, timestamps as `{seconds,nanos}`, numeric IDs and enums.
 * Each maps into the domain types of `../types.ts`.
 */

import { z } from 'zod';
import type { ApiKey, Node, PreAuthKey, User } from '../types.js';
import { compact, effectiveTags, pbTimeToDate, registerMethod, userName } from './common.js';

const id = z.union([z.number(), z.string()]).transform(String);
const time = z.object({ seconds: z.number().optional(), nanos: z.number().optional() }).nullish();
const strings = z.array(z.string()).nullish();

export const cliUser = z
  .object({
    id,
    name: userName,
    created_at: time,
    display_name: z.string().optional(),
    email: z.string().optional(),
    provider_id: z.string().optional(),
    provider: z.string().optional(),
    profile_pic_url: z.string().optional(),
  })
  .transform(
    (u): User => ({
      id: u.id,
      name: u.name,
      ...compact({
        displayName: u.display_name,
        email: u.email,
        provider: u.provider,
        providerId: u.provider_id,
        profilePicUrl: u.profile_pic_url,
        createdAt: pbTimeToDate(u.created_at),
      }),
    }),
  );

export const cliPreAuthKey = z
  .object({
    id: id.optional(),
    key: z.string().default(''),
    user: z.union([cliUser, z.string()]).nullish(),
    reusable: z.boolean().default(false),
    ephemeral: z.boolean().default(false),
    used: z.boolean().default(false),
    expiration: time,
    created_at: time,
    acl_tags: strings,
  })
  .transform(
    (k): PreAuthKey => ({
      id: k.id ?? '',
      key: k.key,
      reusable: k.reusable,
      ephemeral: k.ephemeral,
      used: k.used,
      aclTags: k.acl_tags ?? [],
      ...compact({
        user: typeof k.user === 'object' && k.user !== null ? k.user : undefined,
        expiration: pbTimeToDate(k.expiration),
        createdAt: pbTimeToDate(k.created_at),
      }),
    }),
  );

export const cliNode = z
  .object({
    id,
    machine_key: z.string().default(''),
    node_key: z.string().default(''),
    disco_key: z.string().default(''),
    ip_addresses: strings,
    name: z.string().default(''),
    user: cliUser.nullish(),
    last_seen: time,
    expiry: time,
    pre_auth_key: cliPreAuthKey.nullish(),
    created_at: time,
    register_method: z.number().optional(),
    given_name: z.string().default(''),
    online: z.boolean().default(false),
    approved_routes: strings,
    available_routes: strings,
    subnet_routes: strings,
    tags: strings,
    forced_tags: strings,
    valid_tags: strings,
  })
  .transform(
    (n): Node => ({
      id: n.id,
      name: n.name,
      givenName: n.given_name,
      ipAddresses: n.ip_addresses ?? [],
      machineKey: n.machine_key,
      nodeKey: n.node_key,
      discoKey: n.disco_key,
      online: n.online,
      registerMethod: registerMethod(n.register_method),
      tags: effectiveTags(n.tags, n.forced_tags, n.valid_tags),
      approvedRoutes: n.approved_routes ?? [],
      availableRoutes: n.available_routes ?? [],
      subnetRoutes: n.subnet_routes ?? [],
      ...compact({
        user: n.user ?? undefined,
        lastSeen: pbTimeToDate(n.last_seen),
        expiry: pbTimeToDate(n.expiry),
        createdAt: pbTimeToDate(n.created_at),
        preAuthKey: n.pre_auth_key ?? undefined,
      }),
    }),
  );

export const cliApiKey = z
  .object({
    id,
    prefix: z.string().default(''),
    expiration: time,
    created_at: time,
    last_seen: time,
  })
  .transform(
    (k): ApiKey => ({
      id: k.id,
      prefix: k.prefix,
      ...compact({
        expiration: pbTimeToDate(k.expiration),
        createdAt: pbTimeToDate(k.created_at),
        lastSeen: pbTimeToDate(k.last_seen),
      }),
    }),
  );

/** Lists print `null` when empty. */
export const cliList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullable()
    .transform((v) => v ?? []);
/** `apikeys create -o json` prints the key as a JSON string. */
export const cliCreatedApiKey = z
  .string()
  .min(1)
  .transform((key) => ({ key }));
export const cliHealth = z.object({ database_connectivity: z.boolean().default(false) });
export const cliVersion = z.union([
  z.object({ version: z.string(), commit: z.string().optional() }),
  z.string().transform((version) => ({ version, commit: undefined })),
]);
/** `-o json` error body on stderr. */
export const cliError = z.object({ error: z.string() });
