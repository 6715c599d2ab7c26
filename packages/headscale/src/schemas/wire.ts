/**
 * The objects both transports carry (user, pre-auth key, node, API key), described once. The CLI
 * and REST encode the same protobuf messages, so every field, default and mapping into the domain
 * types lives here and a {@link WireFormat} supplies only what the encodings disagree on. A rule
 * added here (a user needs a name) therefore holds on both boundaries.
 */

import * as z from 'zod/mini';
import type { ApiKey, Node, PreAuthKey, RegisterMethod, User } from '../types.js';
import { compact, effectiveTags, userName } from './common.js';

/** What differs between the CLI's and REST's JSON for the same message. */
export interface WireFormat {
  /** Field names: protobuf's snake_case (CLI) or protojson's lowerCamelCase (REST). */
  naming: 'snake' | 'camel';
  /** A timestamp; absent, null and Go's zero time all parse to undefined. */
  time: z.ZodMiniType<Date | undefined>;
  /** The register method, an enum number (CLI) or name (REST). */
  registerMethod: z.ZodMiniType<RegisterMethod>;
}

/** The schemas {@link wireSchemas} builds for one format. */
export interface WireSchemas {
  user: z.ZodMiniType<User>;
  preAuthKey: z.ZodMiniType<PreAuthKey>;
  node: z.ZodMiniType<Node>;
  apiKey: z.ZodMiniType<ApiKey>;
}

// uint64 IDs: numbers from the CLI, strings from REST; the domain keeps strings.
const id = z.pipe(
  z.union([z.number(), z.string().check(z.minLength(1, { error: 'an ID must not be empty' }))], {
    error: (issue) =>
      issue.input === undefined ? 'an ID is required' : 'an ID must be a number or a string',
  }),
  z.transform(String),
);
// The CLI omits zero values ("" and false) that REST spells out, so both default to them.
const text = z._default(z.string(), '');
const flag = z._default(z.boolean(), false);
const optionalText = z.nullish(z.string());
const strings = z.nullish(z.array(z.string()));

type Fields = Record<string, z.ZodMiniType>;
type Parsed<F extends Fields> = { [K in keyof F]: z.output<F[K]> };

function wireName(naming: WireFormat['naming'], field: string): string {
  return naming === 'camel' ? field : field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * An object validated under its wire field names, so an error's path names the field as the
 * server sent it, then handed on under the domain names the shared mapping reads.
 */
function wireObject<F extends Fields>(
  naming: WireFormat['naming'],
  fields: F,
): z.ZodMiniType<Parsed<F>> {
  const shape: Fields = {};
  for (const [field, schema] of Object.entries(fields)) shape[wireName(naming, field)] = schema;
  return z.pipe(
    z.object(shape),
    z.transform((wire) => {
      const parsed: Record<string, unknown> = {};
      for (const field of Object.keys(fields)) parsed[field] = wire[wireName(naming, field)];
      // Only the renaming is unchecked: each value is what zod parsed under that field's schema.
      return parsed as Parsed<F>;
    }),
  );
}

/** User, pre-auth key, node and API key schemas for one wire format. */
export function wireSchemas(format: WireFormat): WireSchemas {
  const { naming, time } = format;

  // Key order of each result is part of the output (the CLI prints these objects as JSON).
  const user = z.pipe(
    wireObject(naming, {
      id,
      name: userName,
      createdAt: time,
      displayName: optionalText,
      email: optionalText,
      providerId: optionalText,
      provider: optionalText,
      profilePicUrl: optionalText,
    }),
    z.transform(
      (u): User => ({
        id: u.id,
        name: u.name,
        ...compact({
          displayName: u.displayName,
          email: u.email,
          provider: u.provider,
          providerId: u.providerId,
          profilePicUrl: u.profilePicUrl,
          createdAt: u.createdAt,
        }),
      }),
    ),
  );

  const preAuthKey = z.pipe(
    wireObject(naming, {
      id: z.optional(id),
      key: text,
      // A full User since 0.26 (the oldest supported); absent or null for tags-only keys.
      user: z.nullish(user),
      reusable: flag,
      ephemeral: flag,
      used: flag,
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
        ...compact({ user: k.user, expiration: k.expiration, createdAt: k.createdAt }),
      }),
    ),
  );

  const node = z.pipe(
    wireObject(naming, {
      id,
      machineKey: text,
      nodeKey: text,
      discoKey: text,
      ipAddresses: strings,
      name: text,
      user: z.nullish(user),
      lastSeen: time,
      expiry: time,
      preAuthKey: z.nullish(preAuthKey),
      createdAt: time,
      registerMethod: format.registerMethod,
      givenName: text,
      online: flag,
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
        registerMethod: n.registerMethod,
        tags: effectiveTags(n.tags, n.forcedTags, n.validTags),
        approvedRoutes: n.approvedRoutes ?? [],
        availableRoutes: n.availableRoutes ?? [],
        subnetRoutes: n.subnetRoutes ?? [],
        ...compact({
          user: n.user,
          lastSeen: n.lastSeen,
          expiry: n.expiry,
          createdAt: n.createdAt,
          preAuthKey: n.preAuthKey,
        }),
      }),
    ),
  );

  const apiKey = z.pipe(
    wireObject(naming, {
      id,
      prefix: text,
      expiration: time,
      createdAt: time,
      lastSeen: time,
    }),
    z.transform(
      (k): ApiKey => ({
        id: k.id,
        prefix: k.prefix,
        ...compact({ expiration: k.expiration, createdAt: k.createdAt, lastSeen: k.lastSeen }),
      }),
    ),
  );

  return { user, preAuthKey, node, apiKey };
}
