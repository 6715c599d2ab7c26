/**
 * REST transport: `/api/v1` of Headscale (grpc-gateway up to 0.29), bearer API key, undici.
 * The surface is a declarative endpoint table; each entry names its response schema and, when it
 * is not in every supported minor, the feature gating it.
 */

import { rememberSecret } from '@mesh/errors';
import { englishError } from '@mesh/platform';
import type { Dispatcher } from 'undici';
import type * as z from 'zod/mini';
import {
  HeadscaleApiError,
  HeadscaleAuthError,
  HeadscaleConfigError,
  HeadscaleNotFoundError,
} from '../errors.js';
import { httpCall } from '../internal/http.js';
import {
  healthBody,
  restApiKeys,
  restCreatedApiKey,
  restEmpty,
  restError,
  restHealth,
  restNodeEnvelope,
  restNodes,
  restPolicy,
  restPreAuthKeyEnvelope,
  restPreAuthKeys,
  restUserEnvelope,
  restUsers,
  restVersion,
} from '../schemas/rest.js';
import type { VersionInfo } from '../types.js';
import {
  type HeadscaleFeature,
  headscaleSupports,
  MIN_HEADSCALE_VERSION,
  requireHeadscaleFeature,
} from '../version.js';
import type {
  ApiKeyRef,
  CallContext,
  HeadscaleCallOptions,
  HeadscaleTransport,
  PreAuthKeyInput,
  PreAuthKeyRef,
} from './types.js';

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `{name}` segments are filled from `params` and always URL-encoded. */
  path: string;
  schema: z.ZodMiniType;
  since?: HeadscaleFeature;
}

/** Every REST call this package makes, one line each. */
export const REST_ENDPOINTS = {
  listUsers: { method: 'GET', path: '/api/v1/user', schema: restUsers },
  createUser: { method: 'POST', path: '/api/v1/user', schema: restUserEnvelope },
  renameUser: {
    method: 'POST',
    path: '/api/v1/user/{id}/rename/{newName}',
    schema: restUserEnvelope,
  },
  deleteUser: { method: 'DELETE', path: '/api/v1/user/{id}', schema: restEmpty },
  listPreAuthKeys: { method: 'GET', path: '/api/v1/preauthkey', schema: restPreAuthKeys },
  createPreAuthKey: { method: 'POST', path: '/api/v1/preauthkey', schema: restPreAuthKeyEnvelope },
  expirePreAuthKey: { method: 'POST', path: '/api/v1/preauthkey/expire', schema: restEmpty },
  deletePreAuthKey: {
    method: 'DELETE',
    path: '/api/v1/preauthkey',
    schema: restEmpty,
    since: 'preAuthKeyDelete',
  },
  listNodes: { method: 'GET', path: '/api/v1/node', schema: restNodes },
  getNode: { method: 'GET', path: '/api/v1/node/{id}', schema: restNodeEnvelope },
  expireNode: { method: 'POST', path: '/api/v1/node/{id}/expire', schema: restNodeEnvelope },
  renameNode: {
    method: 'POST',
    path: '/api/v1/node/{id}/rename/{newName}',
    schema: restNodeEnvelope,
  },
  deleteNode: { method: 'DELETE', path: '/api/v1/node/{id}', schema: restEmpty },
  setNodeTags: { method: 'POST', path: '/api/v1/node/{id}/tags', schema: restNodeEnvelope },
  approveRoutes: {
    method: 'POST',
    path: '/api/v1/node/{id}/approve_routes',
    schema: restNodeEnvelope,
  },
  listApiKeys: { method: 'GET', path: '/api/v1/apikey', schema: restApiKeys },
  createApiKey: { method: 'POST', path: '/api/v1/apikey', schema: restCreatedApiKey },
  expireApiKey: { method: 'POST', path: '/api/v1/apikey/expire', schema: restEmpty },
  deleteApiKey: { method: 'DELETE', path: '/api/v1/apikey/{prefix}', schema: restEmpty },
  getPolicy: { method: 'GET', path: '/api/v1/policy', schema: restPolicy },
  setPolicy: { method: 'PUT', path: '/api/v1/policy', schema: restPolicy },
  apiHealth: { method: 'GET', path: '/api/v1/health', schema: restHealth, since: 'health' },
} as const satisfies Record<string, Endpoint>;

type EndpointName = keyof typeof REST_ENDPOINTS;
type Output<N extends EndpointName> = z.output<(typeof REST_ENDPOINTS)[N]['schema']>;

/** Options of {@link RestTransport}. */
export interface RestTransportOptions {
  /** Base URL of Headscale, e.g. `http://10.99.0.1:8080` (the `server_url`). */
  url: string;
  /** API key, sent only as `Authorization: Bearer`. Never logged. */
  apiKey?: string;
  /** undici dispatcher, e.g. `new Agent({ connect: { socketPath } })` to reach a namespace. */
  dispatcher?: Dispatcher;
  /** Milliseconds per request. @default 10000 */
  timeout?: number;
}

const NOT_FOUND = /not found|no longer exists|does not exist|record not found/i;

/** The REST transport. Construct through `new HeadscaleClient({ url, apiKey })`. */
export class RestTransport implements HeadscaleTransport {
  readonly kind = 'rest' as const;
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #timeout: number;

  constructor(o: RestTransportOptions) {
    let url: URL;
    try {
      url = new URL(o.url);
    } catch (cause) {
      throw new HeadscaleConfigError(`Headscale URL is not a valid URL: ${JSON.stringify(o.url)}`, {
        cause,
        hint: 'use for example http://127.0.0.1:8080',
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new HeadscaleConfigError(
        `Headscale URL must be http:// or https://, got ${JSON.stringify(o.url)}`,
        {
          hint: 'use for example http://127.0.0.1:8080',
        },
      );
    }
    this.baseUrl = url.origin;
    this.#apiKey = o.apiKey;
    if (o.apiKey) rememberSecret(o.apiKey);
    this.#dispatcher = o.dispatcher;
    this.#timeout = o.timeout ?? 10_000;
  }

  /** Calls one endpoint of {@link REST_ENDPOINTS} and validates the answer. */
  async call<N extends EndpointName>(
    name: N,
    ctx: HeadscaleCallOptions & { version?: string },
    req: {
      params?: Record<string, string>;
      query?: Record<string, string | undefined>;
      body?: unknown;
    } = {},
  ): Promise<Output<N>> {
    const ep: Endpoint = REST_ENDPOINTS[name];
    if (ep.since && ctx.version)
      requireHeadscaleFeature(ctx.version, ep.since, `${ep.method} ${ep.path}`);
    const path = ep.path.replace(/\{(\w+)\}/g, (_m, key: string) =>
      encodeURIComponent(req.params?.[key] ?? ''),
    );
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, v);
    if (!this.#apiKey) {
      throw new HeadscaleAuthError(`${ep.method} ${url.pathname} needs an API key`, {
        method: ep.method,
        url: url.href,
        hint: 'create one with `headscale apikeys create` (or the CLI transport) and pass it as apiKey',
      });
    }
    const answer = await httpCall({
      method: ep.method,
      url: url.href,
      headers: {
        authorization: `Bearer ${this.#apiKey}`,
        accept: 'application/json',
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      dispatcher: this.#dispatcher,
      timeout: ctx.timeout ?? this.#timeout,
      signal: ctx.signal,
    });
    const where = { method: ep.method, url: url.href, status: answer.status };
    // Up to 0.26 a key the server cannot look up (unknown prefix, bad format) fails in its auth
    // middleware with 500 and the body `Unauthorized`; only a known key with a wrong secret or a
    // past expiry got 401 (hscontrol/app.go, httpAuthenticationMiddleware).
    if (answer.status === 401 || (answer.status === 500 && answer.text.trim() === 'Unauthorized')) {
      throw new HeadscaleAuthError(
        `${ep.method} ${url.pathname}: ${answer.status} Unauthorized (invalid or expired API key)`,
        {
          ...where,
          hint: 'check the API key; list keys with `headscale apikeys list` and create a new one if it expired',
        },
      );
    }
    let json: unknown;
    try {
      json = answer.text === '' ? {} : JSON.parse(answer.text);
    } catch (cause) {
      throw new HeadscaleApiError(
        `${ep.method} ${url.pathname}: ${answer.status}, body is not JSON: ${answer.text.slice(0, 200)}`,
        {
          cause,
          ...where,
          hint: 'is this URL really Headscale (not a proxy or another service)?',
        },
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      const err = restError.safeParse(json);
      const message = err.success ? (err.data.message ?? '') : answer.text.slice(0, 200);
      // grpc-gateway maps NotFound (code 5) to 404, but several handlers return Unknown (2 -> 500) with "not found".
      if (
        answer.status === 404 ||
        (err.success && err.data.code === 5) ||
        NOT_FOUND.test(message)
      ) {
        throw new HeadscaleNotFoundError(
          `${ep.method} ${url.pathname}: ${message || 'not found'}`,
          {
            ...where,
            hint: 'check the name or ID; list what exists first',
          },
        );
      }
      throw new HeadscaleApiError(`${ep.method} ${url.pathname}: ${answer.status} ${message}`, {
        ...where,
        hint: 'see the message from Headscale',
      });
    }
    const parsed = ep.schema.safeParse(json);
    if (!parsed.success) {
      const error = englishError(parsed);
      throw new HeadscaleApiError(
        `${ep.method} ${url.pathname}: unexpected answer shape: ${error.message}`,
        {
          cause: error,
          ...where,
          hint: 'the server version may be newer than this client understands',
        },
      );
    }
    return parsed.data as Output<N>;
  }

  async detectVersion(options: HeadscaleCallOptions = {}): Promise<VersionInfo> {
    // /version is unauthenticated and exists from 0.27; older servers answer 404 and are assumed 0.26.
    const url = new URL('/version', this.baseUrl).href;
    const answer = await httpCall({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      dispatcher: this.#dispatcher,
      timeout: options.timeout ?? this.#timeout,
      signal: options.signal,
    });
    if (answer.status === 404) {
      return { version: MIN_HEADSCALE_VERSION, raw: 'unknown (< 0.27)', assumed: true };
    }
    const parsed = (() => {
      try {
        return restVersion.safeParse(JSON.parse(answer.text));
      } catch {
        return undefined;
      }
    })();
    if (answer.status !== 200 || !parsed?.success) {
      throw new HeadscaleApiError(
        `GET /version: ${answer.status}, unexpected answer: ${answer.text.slice(0, 200)}`,
        {
          method: 'GET',
          url,
          status: answer.status,
          hint: 'is this URL really Headscale?',
        },
      );
    }
    return versionInfo(parsed.data.version, parsed.data.commit);
  }

  async health(ctx: CallContext) {
    const url = new URL('/health', this.baseUrl).href;
    const answer = await httpCall({
      method: 'GET',
      url,
      dispatcher: this.#dispatcher,
      timeout: ctx.timeout ?? this.#timeout,
      signal: ctx.signal,
    });
    let status: string | undefined;
    try {
      const body = healthBody.safeParse(JSON.parse(answer.text));
      if (body.success) status = body.data.status;
    } catch {
      status = undefined;
    }
    const ok = answer.status === 200 && status === 'pass';
    const seen = { ok, httpStatus: answer.status, ...(status === undefined ? {} : { status }) };
    if (!ok || !this.#apiKey || !headscaleSupports(ctx.version, 'health')) return seen;
    const db = await this.call('apiHealth', ctx);
    return { ...seen, databaseConnectivity: db.databaseConnectivity };
  }

  listUsers(filter: { id?: string; name?: string; email?: string }, ctx: CallContext) {
    return this.call('listUsers', ctx, {
      query: { id: filter.id, name: filter.name, email: filter.email },
    });
  }
  createUser(
    input: { name: string; displayName?: string; email?: string; pictureUrl?: string },
    ctx: CallContext,
  ) {
    return this.call('createUser', ctx, { body: input });
  }
  renameUser(id: string, newName: string, ctx: CallContext) {
    return this.call('renameUser', ctx, { params: { id, newName } });
  }
  async deleteUser(id: string, ctx: CallContext) {
    await this.call('deleteUser', ctx, { params: { id } });
  }

  listPreAuthKeys(userId: string | undefined, ctx: CallContext) {
    return this.call('listPreAuthKeys', ctx, { query: { user: userId } });
  }
  createPreAuthKey(input: PreAuthKeyInput, ctx: CallContext) {
    return this.call('createPreAuthKey', ctx, {
      body: {
        ...(input.userId === undefined ? {} : { user: input.userId }),
        reusable: input.reusable,
        ephemeral: input.ephemeral,
        expiration: input.expiration.toISOString(),
        aclTags: input.aclTags,
      },
    });
  }
  async expirePreAuthKey(ref: PreAuthKeyRef, ctx: CallContext) {
    // 0.28 addresses keys by ID; before, by owner ID and the full key.
    const body = isAtLeast(ctx.version, 'preAuthKeyById')
      ? { id: ref.id }
      : { user: ref.userId, key: ref.key };
    await this.call('expirePreAuthKey', ctx, { body });
  }
  async deletePreAuthKey(id: string, ctx: CallContext) {
    await this.call('deletePreAuthKey', ctx, { query: { id } });
  }

  listNodes(userName: string | undefined, ctx: CallContext) {
    return this.call('listNodes', ctx, { query: { user: userName } });
  }
  getNode(id: string, ctx: CallContext) {
    return this.call('getNode', ctx, { params: { id } });
  }
  expireNode(id: string, at: Date | undefined, ctx: CallContext) {
    if (at) requireHeadscaleFeature(ctx.version, 'nodeExpireAt', 'expiring a node at a given time');
    return this.call('expireNode', ctx, { params: { id }, query: { expiry: at?.toISOString() } });
  }
  renameNode(id: string, newName: string, ctx: CallContext) {
    return this.call('renameNode', ctx, { params: { id, newName } });
  }
  async deleteNode(id: string, ctx: CallContext) {
    await this.call('deleteNode', ctx, { params: { id } });
  }
  setNodeTags(id: string, tags: string[], ctx: CallContext) {
    return this.call('setNodeTags', ctx, { params: { id }, body: { tags } });
  }
  approveRoutes(id: string, routes: string[], ctx: CallContext) {
    return this.call('approveRoutes', ctx, { params: { id }, body: { routes } });
  }

  listApiKeys(ctx: CallContext) {
    return this.call('listApiKeys', ctx);
  }
  async createApiKey(expiration: Date, ctx: CallContext) {
    const created = await this.call('createApiKey', ctx, {
      body: { expiration: expiration.toISOString() },
    });
    rememberSecret(created.key);
    return created;
  }
  async expireApiKey(ref: ApiKeyRef, ctx: CallContext) {
    const body =
      ref.id && isAtLeast(ctx.version, 'apiKeyById')
        ? { id: ref.id }
        : { prefix: requirePrefix(ref, ctx.version) };
    await this.call('expireApiKey', ctx, { body });
  }
  async deleteApiKey(ref: ApiKeyRef, ctx: CallContext) {
    if (ref.id && isAtLeast(ctx.version, 'apiKeyById')) {
      // The path needs a non-empty prefix segment; with ?id= the server looks the key up by ID.
      await this.call('deleteApiKey', ctx, {
        params: { prefix: ref.prefix ?? '-' },
        query: { id: ref.id },
      });
      return;
    }
    await this.call('deleteApiKey', ctx, { params: { prefix: requirePrefix(ref, ctx.version) } });
  }

  getPolicy(ctx: CallContext) {
    return this.call('getPolicy', ctx);
  }
  setPolicy(policy: string, ctx: CallContext) {
    return this.call('setPolicy', ctx, { body: { policy } });
  }
}

const isAtLeast = headscaleSupports;

function requirePrefix(ref: { prefix?: string }, version: string): string {
  if (!ref.prefix) {
    throw new HeadscaleConfigError(
      `Headscale ${version} addresses API keys by prefix; none given`,
      {
        hint: 'pass the prefix from apiKeys.list()',
      },
    );
  }
  return ref.prefix;
}

/** Builds a {@link VersionInfo} from a reported version string. */
export function versionInfo(raw: string, commit?: string): VersionInfo {
  const m = /v?(\d+\.\d+\.\d+)/.exec(raw);
  if (!m?.[1])
    return { version: MIN_HEADSCALE_VERSION, raw, assumed: true, ...(commit ? { commit } : {}) };
  return { version: m[1], raw, assumed: false, ...(commit ? { commit } : {}) };
}
