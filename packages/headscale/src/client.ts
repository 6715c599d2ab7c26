/**
 * `HeadscaleClient`: one client, two transports (REST with an API key, or the local CLI over the
 * unix socket), resource namespaces `users`, `preAuthKeys`, `nodes`, `apiKeys`, `policy`.
 * The server version is detected once and decides the dialect of every call.
 */

import {
  HeadscaleConfigError,
  HeadscaleNotFoundError,
  HeadscaleUnsupportedError,
} from './errors.js';
import { CliTransport, type CliTransportOptions } from './transport/cli.js';
import { RestTransport, type RestTransportOptions } from './transport/rest.js';
import type {
  ApiKeyRef,
  CallContext,
  HeadscaleCallOptions,
  HeadscaleTransport,
} from './transport/types.js';
import type {
  ApiKey,
  CreatedApiKey,
  HealthStatus,
  Node,
  Policy,
  PreAuthKey,
  User,
  VersionInfo,
} from './types.js';
import { headscaleSupports, requireHeadscaleFeature, requireSupportedServer } from './version.js';

/** A user given by ID or by name. */
export type UserRef = { id: string } | { name: string };

/** Options of {@link HeadscaleClient}: exactly one of `rest`, `cli` or `transport`. */
export type HeadscaleClientOptions = (
  | { rest: RestTransportOptions; cli?: never; transport?: never }
  | { cli: CliTransportOptions; rest?: never; transport?: never }
  | { transport: HeadscaleTransport; rest?: never; cli?: never }
) & {
  /** Skip detection and speak this version's dialect, e.g. `0.27.1`. @default detected on first call */
  version?: string;
};

/** Input of {@link PreAuthKeys.create}. */
export interface CreatePreAuthKeyOptions extends HeadscaleCallOptions {
  /** Owner. Optional from 0.28 when `tags` are given ("tags as identity"). */
  user?: UserRef;
  /** Can register several nodes. @default false */
  reusable?: boolean;
  /** Nodes registered with it are removed when offline. @default false */
  ephemeral?: boolean;
  /** Absolute expiry, or milliseconds from now. @default 1 hour from now */
  expiration?: Date | number;
  /** ACL tags (`tag:name`) applied to nodes registered with it. @default [] */
  tags?: string[];
}

const HOUR_MS = 3_600_000;

/**
 * Typed Headscale client.
 *
 * @example
 * const hs = new HeadscaleClient({ rest: { url: 'http://10.99.0.1:8080', apiKey } });
 * const { user } = await hs.users.ensure('alice');
 * const key = await hs.preAuthKeys.create({ user: { id: user.id }, reusable: true });
 */
export class HeadscaleClient {
  readonly transport: HeadscaleTransport;
  #version: Promise<VersionInfo> | undefined;

  /** Users (namespaces). */
  readonly users: Users;
  /** Pre-auth keys for joining nodes. */
  readonly preAuthKeys: PreAuthKeys;
  /** Registered nodes. */
  readonly nodes: Nodes;
  /** API keys for the REST transport. */
  readonly apiKeys: ApiKeys;
  /** The ACL policy (database mode). */
  readonly policy: PolicyResource;

  constructor(o: HeadscaleClientOptions) {
    const given = [o.rest, o.cli, o.transport].filter((x) => x !== undefined).length;
    if (given !== 1) {
      throw new HeadscaleConfigError(
        'HeadscaleClient needs exactly one of rest, cli or transport',
        {
          hint: 'e.g. { rest: { url, apiKey } } or { cli: { configPath } }',
        },
      );
    }
    this.transport = o.transport ?? (o.rest ? new RestTransport(o.rest) : new CliTransport(o.cli));
    if (o.version) {
      const m = /(\d+\.\d+\.\d+)/.exec(o.version);
      if (!m?.[1])
        throw new HeadscaleConfigError(
          `version must look like 0.27.1, got ${JSON.stringify(o.version)}`,
        );
      this.#version = Promise.resolve({ version: m[1], raw: o.version, assumed: false });
    }
    this.users = new Users(this);
    this.preAuthKeys = new PreAuthKeys(this);
    this.nodes = new Nodes(this);
    this.apiKeys = new ApiKeys(this);
    this.policy = new PolicyResource(this);
  }

  /** The server version (detected once, then cached). */
  version(options: HeadscaleCallOptions = {}): Promise<VersionInfo> {
    if (!this.#version) {
      const pending = this.transport.detectVersion(options);
      this.#version = pending;
      // A failed detection (server not up yet) must not be cached.
      pending.catch(() => {
        if (this.#version === pending) this.#version = undefined;
      });
    }
    return this.#version;
  }

  /** Builds the per-call context; rejects servers older than the minimum supported version. @internal */
  async context(options: HeadscaleCallOptions = {}): Promise<CallContext> {
    const v = await this.version(options);
    requireSupportedServer(v.version);
    return { ...options, version: v.version };
  }

  /** `/health` (plus database connectivity on 0.27+ when the transport can ask). */
  async health(options: HeadscaleCallOptions = {}): Promise<HealthStatus> {
    return this.transport.health(await this.context(options));
  }
}

abstract class Resource {
  constructor(protected readonly client: HeadscaleClient) {}
  protected get t(): HeadscaleTransport {
    return this.client.transport;
  }
  protected ctx(options?: HeadscaleCallOptions): Promise<CallContext> {
    return this.client.context(options);
  }
}

/** `client.users` */
export class Users extends Resource {
  /** Lists users, optionally filtered by exact ID, name or email. */
  async list(
    filter: { id?: string; name?: string; email?: string } = {},
    options?: HeadscaleCallOptions,
  ): Promise<User[]> {
    return this.t.listUsers(filter, await this.ctx(options));
  }
  /** One user; throws {@link HeadscaleNotFoundError} if missing. */
  async get(ref: UserRef, options?: HeadscaleCallOptions): Promise<User> {
    const users = await this.list('id' in ref ? { id: ref.id } : { name: ref.name }, options);
    const user = users.find((u) => ('id' in ref ? u.id === ref.id : u.name === ref.name));
    if (!user) {
      throw new HeadscaleNotFoundError(
        `user ${'id' in ref ? `with ID ${ref.id}` : JSON.stringify(ref.name)} not found`,
        {
          hint: 'create it first (users.ensure) or check the spelling',
        },
      );
    }
    return user;
  }
  /** Creates a user (fails if the name exists; see {@link Users.ensure}). */
  async create(
    input: { name: string; displayName?: string; email?: string; pictureUrl?: string },
    options?: HeadscaleCallOptions,
  ): Promise<User> {
    return this.t.createUser(input, await this.ctx(options));
  }
  /** Idempotent create: returns the existing user (`changed: false`) or creates it. */
  async ensure(
    name: string,
    options?: HeadscaleCallOptions,
  ): Promise<{ user: User; changed: boolean }> {
    const existing = (await this.list({ name }, options)).find((u) => u.name === name);
    if (existing) return { user: existing, changed: false };
    return { user: await this.create({ name }, options), changed: true };
  }
  /** Renames a user. */
  async rename(ref: UserRef, newName: string, options?: HeadscaleCallOptions): Promise<User> {
    const id = await this.#id(ref, options);
    return this.t.renameUser(id, newName, await this.ctx(options));
  }
  /** Deletes a user (Headscale refuses while it still owns nodes). */
  async delete(ref: UserRef, options?: HeadscaleCallOptions): Promise<void> {
    const id = await this.#id(ref, options);
    await this.t.deleteUser(id, await this.ctx(options));
  }
  async #id(ref: UserRef, options?: HeadscaleCallOptions): Promise<string> {
    return 'id' in ref ? ref.id : (await this.get(ref, options)).id;
  }
  /** @internal resolve a ref to an ID */
  resolveId(ref: UserRef, options?: HeadscaleCallOptions): Promise<string> {
    return this.#id(ref, options);
  }
}

/** `client.preAuthKeys` */
export class PreAuthKeys extends Resource {
  /**
   * Creates a pre-auth key. Always sends an expiration (Headscale would otherwise store Go's zero
   * time). The full `key` is only in this answer.
   */
  async create(o: CreatePreAuthKeyOptions = {}): Promise<PreAuthKey> {
    const { user, reusable, ephemeral, expiration, tags, ...options } = o;
    const ctx = await this.ctx(options);
    for (const tag of tags ?? []) {
      if (!/^tag:[a-z0-9][a-z0-9-_.]*$/.test(tag)) {
        throw new HeadscaleConfigError(`invalid tag ${JSON.stringify(tag)}`, {
          hint: 'tags are lowercase and start with tag:',
        });
      }
    }
    if (!user) {
      if (!tags?.length)
        throw new HeadscaleConfigError('a pre-auth key needs a user or tags', {
          hint: 'pass user or tags',
        });
      requireHeadscaleFeature(ctx.version, 'tagsOnlyPreAuthKey', 'pre-auth keys without a user');
    }
    const userId = user ? await this.client.users.resolveId(user, options) : undefined;
    const exp =
      expiration instanceof Date ? expiration : new Date(Date.now() + (expiration ?? HOUR_MS));
    return this.t.createPreAuthKey(
      {
        ...(userId === undefined ? {} : { userId }),
        reusable: reusable ?? false,
        ephemeral: ephemeral ?? false,
        expiration: exp,
        aclTags: tags ?? [],
      },
      ctx,
    );
  }
  /** Lists keys (all of them, or one user's). Before 0.28 a user is required over the CLI. */
  async list(
    filter: { user?: UserRef } = {},
    options?: HeadscaleCallOptions,
  ): Promise<PreAuthKey[]> {
    const ctx = await this.ctx(options);
    const userId = filter.user
      ? await this.client.users.resolveId(filter.user, options)
      : undefined;
    if (!userId && !headscaleSupports(ctx.version, 'preAuthKeyListAll')) {
      // Older servers list per user only: gather them.
      const users = await this.client.users.list({}, options);
      return (await Promise.all(users.map((u) => this.t.listPreAuthKeys(u.id, ctx)))).flat();
    }
    const keys = await this.t.listPreAuthKeys(userId, ctx);
    return userId ? keys.filter((k) => !k.user || k.user.id === userId) : keys;
  }
  /** Expires a key (by ID on 0.28+, by owner and full key before). */
  async expire(
    key: Pick<PreAuthKey, 'id'> & Partial<Pick<PreAuthKey, 'key' | 'user'>>,
    options?: HeadscaleCallOptions,
  ): Promise<void> {
    const ctx = await this.ctx(options);
    if (!headscaleSupports(ctx.version, 'preAuthKeyById') && (!key.key || !key.user)) {
      throw new HeadscaleUnsupportedError('expiring a pre-auth key by ID', ctx.version, {
        since: '0.28.0',
        hint: 'pass the key object returned by create() (it has the owner and full key)',
      });
    }
    await this.t.expirePreAuthKey(
      {
        id: key.id,
        ...(key.user ? { userId: key.user.id } : {}),
        ...(key.key ? { key: key.key } : {}),
      },
      ctx,
    );
  }
  /** Deletes a key (0.28+). */
  async delete(id: string, options?: HeadscaleCallOptions): Promise<void> {
    const ctx = await this.ctx(options);
    requireHeadscaleFeature(ctx.version, 'preAuthKeyDelete', 'deleting pre-auth keys');
    await this.t.deletePreAuthKey(id, ctx);
  }
}

/** `client.nodes` */
export class Nodes extends Resource {
  /** Lists nodes, optionally of one user (by name). */
  async list(filter: { user?: string } = {}, options?: HeadscaleCallOptions): Promise<Node[]> {
    return this.t.listNodes(filter.user, await this.ctx(options));
  }
  /** One node; throws {@link HeadscaleNotFoundError} if missing. */
  async get(id: string, options?: HeadscaleCallOptions): Promise<Node> {
    return this.t.getNode(id, await this.ctx(options));
  }
  /** Expires the node's key now (or at `at`, 0.27+): the client must log in again. */
  async expire(id: string, o: HeadscaleCallOptions & { at?: Date } = {}): Promise<Node> {
    const { at, ...options } = o;
    return this.t.expireNode(id, at, await this.ctx(options));
  }
  /** Sets the node's given name (its MagicDNS name). */
  async rename(id: string, newName: string, options?: HeadscaleCallOptions): Promise<Node> {
    return this.t.renameNode(id, newName, await this.ctx(options));
  }
  /** Removes the node from the tailnet. */
  async delete(id: string, options?: HeadscaleCallOptions): Promise<void> {
    await this.t.deleteNode(id, await this.ctx(options));
  }
  /** Replaces the node's tags (must be permitted by the policy's tagOwners). */
  async setTags(id: string, tags: string[], options?: HeadscaleCallOptions): Promise<Node> {
    return this.t.setNodeTags(id, tags, await this.ctx(options));
  }
  /** Approves subnet routes the node advertises; an empty list clears them (0.26+). */
  async approveRoutes(id: string, routes: string[], options?: HeadscaleCallOptions): Promise<Node> {
    return this.t.approveRoutes(id, routes, await this.ctx(options));
  }
}

/** `client.apiKeys` */
export class ApiKeys extends Resource {
  /** Creates an API key; the secret is only in this answer. */
  async create(
    o: HeadscaleCallOptions & { expiration?: Date | number } = {},
  ): Promise<CreatedApiKey> {
    const { expiration, ...options } = o;
    const exp =
      expiration instanceof Date
        ? expiration
        : new Date(Date.now() + (expiration ?? 90 * 24 * HOUR_MS));
    return this.t.createApiKey(exp, await this.ctx(options));
  }
  /** Lists API keys (prefixes only). */
  async list(options?: HeadscaleCallOptions): Promise<ApiKey[]> {
    return this.t.listApiKeys(await this.ctx(options));
  }
  /** Expires a key (by ID on 0.28+, else by prefix). */
  async expire(ref: ApiKeyRef, options?: HeadscaleCallOptions): Promise<void> {
    await this.t.expireApiKey(ref, await this.ctx(options));
  }
  /** Deletes a key (by ID on 0.28+, else by prefix). */
  async delete(ref: ApiKeyRef, options?: HeadscaleCallOptions): Promise<void> {
    await this.t.deleteApiKey(ref, await this.ctx(options));
  }
}

/** `client.policy` */
export class PolicyResource extends Resource {
  /** The stored policy; {@link HeadscaleNotFoundError} when none is stored yet. */
  async get(options?: HeadscaleCallOptions): Promise<Policy> {
    return this.t.getPolicy(await this.ctx(options));
  }
  /** Stores a policy (needs `policy.mode: database`). */
  async set(policy: string, options?: HeadscaleCallOptions): Promise<Policy> {
    return this.t.setPolicy(policy, await this.ctx(options));
  }
}
