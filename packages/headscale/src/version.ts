/**
 * Version awareness: which Headscale minor supports what. Headscale changes its API shape in
 * almost every minor (see the reference notes), so every dialect decision goes through here.
 */

import { HeadscaleUnsupportedError } from './errors.js';

/** Oldest Headscale this package speaks (users and key owners by ID, routes on nodes). */
export const MIN_HEADSCALE_VERSION = '0.26.0';

/** A parsed `major.minor.patch`. */
export interface HeadscaleVersion {
  major: number;
  minor: number;
  patch: number;
}

/** Parses `v0.29.2`, `0.27.1`, `0.28.0-beta.1`; undefined for `dev`, `unknown`... */
export function parseHeadscaleVersion(raw: string): HeadscaleVersion | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(raw);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Compares two versions (negative when a < b). */
export function compareHeadscaleVersions(a: string, b: string): number {
  const x = parseHeadscaleVersion(a);
  const y = parseHeadscaleVersion(b);
  if (!x || !y) throw new TypeError(`not a version: ${!x ? a : b}`);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** Features that differ between supported minors, with the first version that has them. */
export const HEADSCALE_FEATURES = {
  /** `GET /version`, `GET /api/v1/health`, `headscale health`, node expire with a date. */
  versionEndpoint: '0.27.0',
  health: '0.27.0',
  nodeExpireAt: '0.27.0',
  /** `GET /preauthkey` without a user lists every key; keys and API keys addressed by ID. */
  preAuthKeyListAll: '0.28.0',
  preAuthKeyById: '0.28.0',
  preAuthKeyDelete: '0.28.0',
  /** Pre-auth keys with tags and no user ("tags as identity"). */
  tagsOnlyPreAuthKey: '0.28.0',
  apiKeyById: '0.28.0',
  /** Flat `tags` on nodes instead of forced/valid/invalid tags. */
  flatNodeTags: '0.28.0',
  /** `POST /api/v1/policy/check`, `headscale policy check`. */
  policyCheck: '0.29.0',
  /** Policy `nodeAttrs` (node capabilities such as disable-captive-portal-detection). */
  nodeAttrs: '0.29.0',
  nodeDisableExpiry: '0.29.0',
} as const;

/** A feature name of {@link HEADSCALE_FEATURES}. */
export type HeadscaleFeature = keyof typeof HEADSCALE_FEATURES;

/** True when `version` has `feature`. */
export function headscaleSupports(version: string, feature: HeadscaleFeature): boolean {
  return compareHeadscaleVersions(version, HEADSCALE_FEATURES[feature]) >= 0;
}

/** Throws {@link HeadscaleUnsupportedError} naming the version if `version` lacks `feature`. */
export function requireHeadscaleFeature(
  version: string,
  feature: HeadscaleFeature,
  what: string = feature,
): void {
  if (!headscaleSupports(version, feature)) {
    throw new HeadscaleUnsupportedError(what, version, { since: HEADSCALE_FEATURES[feature] });
  }
}

/** Throws {@link HeadscaleUnsupportedError} if `version` is older than {@link MIN_HEADSCALE_VERSION}. */
export function requireSupportedServer(version: string): void {
  if (compareHeadscaleVersions(version, MIN_HEADSCALE_VERSION) < 0) {
    throw new HeadscaleUnsupportedError('this client (users and key owners by ID)', version, {
      since: MIN_HEADSCALE_VERSION,
    });
  }
}
