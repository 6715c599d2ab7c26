/**
 * zod schemas for `headscale ... -o json`: Go's encoding/json dump of the protobuf structs,
 * snake_case, zero values omitted, timestamps as `{seconds,nanos}`, numeric IDs and enums.
 * Each maps into the domain types of `../types.ts`.
 */

import * as z from 'zod/mini';
import type { ApiKey, Node, PreAuthKey, User } from '../types.js';
import { compact, effectiveTags, pbTimeToDate, registerMethod, userName } from './common.js';

const id = z.pipe(z.union([z.number(), z.string()]), z.transform(String));
const time = z.nullish(
  z.object({ seconds: z.optional(z.number()), nanos: z.optional(z.number()) }),
);
const strings = z.nullish(z.array(z.string()));

export const cliUser = z.pipe(
  z.object({
    id,
    name: userName,
    created_at: time,
    display_name: z.optional(z.string()),
    email: z.optional(z.string()),
    provider_id: z.optional(z.string()),
    provider: z.optional(z.string()),
    profile_pic_url: z.optional(z.string()),
  }),
  z.transform(
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
  ),
);

export const cliPreAuthKey = z.pipe(
  z.object({
    id: z.optional(id),
    key: z._default(z.string(), ''),
    user: z.nullish(z.union([cliUser, z.string()])),
    reusable: z._default(z.boolean(), false),
    ephemeral: z._default(z.boolean(), false),
    used: z._default(z.boolean(), false),
    expiration: time,
    created_at: time,
    acl_tags: strings,
  }),
  z.transform(
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
  ),
);

export const cliNode = z.pipe(
  z.object({
    id,
    machine_key: z._default(z.string(), ''),
    node_key: z._default(z.string(), ''),
    disco_key: z._default(z.string(), ''),
    ip_addresses: strings,
    name: z._default(z.string(), ''),
    user: z.nullish(cliUser),
    last_seen: time,
    expiry: time,
    pre_auth_key: z.nullish(cliPreAuthKey),
    created_at: time,
    register_method: z.optional(z.number()),
    given_name: z._default(z.string(), ''),
    online: z._default(z.boolean(), false),
    approved_routes: strings,
    available_routes: strings,
    subnet_routes: strings,
    tags: strings,
    forced_tags: strings,
    valid_tags: strings,
  }),
  z.transform(
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
  ),
);

export const cliApiKey = z.pipe(
  z.object({
    id,
    prefix: z._default(z.string(), ''),
    expiration: time,
    created_at: time,
    last_seen: time,
  }),
  z.transform(
    (k): ApiKey => ({
      id: k.id,
      prefix: k.prefix,
      ...compact({
        expiration: pbTimeToDate(k.expiration),
        createdAt: pbTimeToDate(k.created_at),
        lastSeen: pbTimeToDate(k.last_seen),
      }),
    }),
  ),
);

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
