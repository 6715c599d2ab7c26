import type {
  ApiKey,
  CreatedApiKey,
  HealthStatus,
  Node,
  Policy,
  PreAuthKey,
  User,
  VersionInfo,
} from '../types.js';

/** Per-call options every public method accepts last. */
export interface HeadscaleCallOptions {
  /** Cancels the call; a cancelled call throws `HeadscaleAbortError`. */
  signal?: AbortSignal;
  /** Milliseconds before the call is abandoned. @default the client's timeout (10000) */
  timeout?: number;
}

/** What a transport needs per call: the server version decides the dialect. */
export interface CallContext extends HeadscaleCallOptions {
  version: string;
}

/** Input of {@link HeadscaleTransport.createPreAuthKey}. */
export interface PreAuthKeyInput {
  userId?: string;
  reusable: boolean;
  ephemeral: boolean;
  expiration: Date;
  aclTags: string[];
}

/** Identifies an API key: `id` (0.28+) or `prefix`. */
export interface ApiKeyRef {
  id?: string;
  prefix?: string;
}

/** Identifies a pre-auth key: `id` (0.28+), or owner ID and full key (before 0.28). */
export interface PreAuthKeyRef {
  id?: string;
  userId?: string;
  key?: string;
}

/**
 * One interface, two wire formats: the REST API (`/api/v1`, API key) and the local `headscale`
 * CLI (unix socket, no key). Both return the domain types; both speak the dialect of `ctx.version`.
 */
export interface HeadscaleTransport {
  readonly kind: 'rest' | 'cli';
  /** Asks the server for its version (`/version` or `headscale version`). */
  detectVersion(options?: HeadscaleCallOptions): Promise<VersionInfo>;
  health(ctx: CallContext): Promise<HealthStatus>;

  listUsers(
    filter: { id?: string; name?: string; email?: string },
    ctx: CallContext,
  ): Promise<User[]>;
  createUser(
    input: { name: string; displayName?: string; email?: string; pictureUrl?: string },
    ctx: CallContext,
  ): Promise<User>;
  renameUser(id: string, newName: string, ctx: CallContext): Promise<User>;
  deleteUser(id: string, ctx: CallContext): Promise<void>;

  listPreAuthKeys(userId: string | undefined, ctx: CallContext): Promise<PreAuthKey[]>;
  createPreAuthKey(input: PreAuthKeyInput, ctx: CallContext): Promise<PreAuthKey>;
  expirePreAuthKey(ref: PreAuthKeyRef, ctx: CallContext): Promise<void>;
  deletePreAuthKey(id: string, ctx: CallContext): Promise<void>;

  listNodes(userName: string | undefined, ctx: CallContext): Promise<Node[]>;
  getNode(id: string, ctx: CallContext): Promise<Node>;
  expireNode(id: string, at: Date | undefined, ctx: CallContext): Promise<Node>;
  renameNode(id: string, newName: string, ctx: CallContext): Promise<Node>;
  deleteNode(id: string, ctx: CallContext): Promise<void>;
  setNodeTags(id: string, tags: string[], ctx: CallContext): Promise<Node>;
  approveRoutes(id: string, routes: string[], ctx: CallContext): Promise<Node>;

  listApiKeys(ctx: CallContext): Promise<ApiKey[]>;
  createApiKey(expiration: Date, ctx: CallContext): Promise<CreatedApiKey>;
  expireApiKey(ref: ApiKeyRef, ctx: CallContext): Promise<void>;
  deleteApiKey(ref: ApiKeyRef, ctx: CallContext): Promise<void>;

  getPolicy(ctx: CallContext): Promise<Policy>;
  setPolicy(policy: string, ctx: CallContext): Promise<Policy>;
}
