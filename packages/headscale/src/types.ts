/**
 * The domain model: one set of types, whatever transport (REST or CLI) and Headscale version
 * produced the data. IDs are strings because Headscale's IDs are uint64.
 */

/** A Headscale user (namespace owning nodes and keys). */
export interface User {
  id: string;
  name: string;
  displayName?: string;
  email?: string;
  /** `oidc` for users created by OIDC login. */
  provider?: string;
  providerId?: string;
  profilePicUrl?: string;
  createdAt?: Date;
}

/** A pre-auth key. `key` is the full secret only in the answer to `create` (0.28+ lists show a prefix). */
export interface PreAuthKey {
  id: string;
  key: string;
  /** Owner; absent for tags-only keys (0.28+). */
  user?: User;
  reusable: boolean;
  ephemeral: boolean;
  used: boolean;
  expiration?: Date;
  createdAt?: Date;
  aclTags: string[];
}

/** How a node was registered. */
export type RegisterMethod = 'unspecified' | 'authKey' | 'cli' | 'oidc';

/** A node (machine) known to Headscale. */
export interface Node {
  id: string;
  /** Hostname the client reported. */
  name: string;
  /** Name in MagicDNS / `tailscale status` (what `rename` changes). */
  givenName: string;
  user?: User;
  ipAddresses: string[];
  machineKey: string;
  nodeKey: string;
  discoKey: string;
  online: boolean;
  lastSeen?: Date;
  /** Absent when the node never expires. */
  expiry?: Date;
  createdAt?: Date;
  registerMethod: RegisterMethod;
  /** Effective tags: `tags` on 0.28+, `forcedTags` ∪ `validTags` before. */
  tags: string[];
  /** Subnet routes approved by an admin (0.26+). */
  approvedRoutes: string[];
  /** Subnet routes the node advertises (0.26+). */
  availableRoutes: string[];
  /** Routes actually served (approved and advertised) (0.26+). */
  subnetRoutes: string[];
  preAuthKey?: PreAuthKey;
}

/** An API key as listed (never the secret). */
export interface ApiKey {
  id: string;
  /** Display prefix, e.g. `hskey-api-AbCd-***` (0.28+) or a 10-char prefix before. */
  prefix: string;
  expiration?: Date;
  createdAt?: Date;
  lastSeen?: Date;
}

/** The answer to creating an API key: the full secret, shown only once. */
export interface CreatedApiKey {
  /** The secret; send it only as `Authorization: Bearer`. */
  key: string;
}

/** The stored ACL policy (HuJSON text). */
export interface Policy {
  policy: string;
  updatedAt?: Date;
}

/** Result of a health check. */
export interface HealthStatus {
  /** `/health` answered 200 `pass` (or the CLI health RPC succeeded). */
  ok: boolean;
  /** From `/api/v1/health` / `headscale health` (0.27+). */
  databaseConnectivity?: boolean;
  /** REST only: the HTTP status `/health` answered with. */
  httpStatus?: number;
  /**
   * REST only: the `status` of a JSON body shaped like Headscale's (`pass`, or `fail` when it
   * cannot reach its database). Absent when the body is not, so whatever answered is likely
   * not Headscale.
   */
  status?: string;
}

/** The server's version. */
export interface VersionInfo {
  /** Normalised `major.minor.patch`, e.g. `0.29.2`. */
  version: string;
  /** As reported, e.g. `v0.29.2`, or `unknown (< 0.27)`. */
  raw: string;
  commit?: string;
  /** True when the server is too old to report its version and `0.26.0` is assumed. */
  assumed: boolean;
}
