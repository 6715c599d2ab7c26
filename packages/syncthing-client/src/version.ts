/**
 * Syncthing version handling: parse `X-Syncthing-Version` / `/rest/system/version` strings and
 * know which endpoints and auth forms exist in which release (1.19 through 2.x).
 */

/** A parsed Syncthing version. `raw` keeps the original, e.g. `v1.19.2-ds1`. */
export interface SyncthingVersion {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release or distro suffix after `-`, e.g. `ds1`, `rc.1`. */
  suffix: string;
  raw: string;
}

/** Parses `v1.19.2-ds1`, `1.30.0`, `v2.0.0-rc.1`. Returns undefined for `unknown-dev` and garbage. */
export function parseSyncthingVersion(text: string): SyncthingVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+](.*))?$/.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    suffix: m[4] ?? '',
    raw: text.trim(),
  };
}

/** Compares major.minor.patch only (a distro suffix like `-ds1` is a release, not a pre-release). */
export function compareVersions(a: SyncthingVersion, b: SyncthingVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `version` is at least `min` (a `x.y.z` string). */
export function versionAtLeast(version: SyncthingVersion, min: string): boolean {
  const m = parseSyncthingVersion(min);
  if (!m) throw new TypeError(`invalid version ${JSON.stringify(min)}`);
  return compareVersions(version, m) >= 0;
}

/** Version bounds of a feature: available from `since` (inclusive), gone from `until` (exclusive). */
export interface VersionRange {
  since?: string;
  until?: string;
}

/**
 * Features whose availability depends on the server version (from the Syncthing docs/source;
 * 1.19.2 behaviour observed). Keys are stable names used in {@link SyncthingUnsupportedError}.
 */
export const SYNCTHING_FEATURES = {
  'GET /rest/system/paths': { since: '1.21.0' },
  'GET /rest/noauth/health': { since: '1.22.1' },
  'POST /rest/noauth/auth/password': { since: '1.26.0' },
  'GET /rest/system/debug': { until: '2.0.0' },
  'POST /rest/system/debug': { until: '2.0.0' },
  'GET /rest/system/loglevels': { since: '2.0.0' },
  'POST /rest/system/loglevels': { since: '2.0.0' },
  'GET /rest/config/defaults/ignores': { since: '1.19.0' },
  'PUT /rest/config/defaults/ignores': { since: '1.19.0' },
  'DELETE /rest/cluster/pending/devices': { since: '1.18.0' },
  'DELETE /rest/cluster/pending/folders': { since: '1.18.0' },
  'GET /rest/cluster/pending/devices': { since: '1.13.0' },
  'GET /rest/cluster/pending/folders': { since: '1.13.0' },
  'GET /metrics': { since: '1.24.0' },
  'auth:bearer': { since: '1.23.7' },
  'event:ClusterConfigReceived': { since: '1.20.0' },
  'event:UpgradeRestartScheduled': { since: '2.0.0' },
} as const satisfies Record<string, VersionRange>;

/** Name of a version-gated feature. */
export type SyncthingFeature = keyof typeof SYNCTHING_FEATURES;

/** Human form of a range, e.g. `>= 1.21.0` or `< 2.0.0`. */
export function describeRange(range: VersionRange): string {
  if (range.since && range.until) return `>= ${range.since} and < ${range.until}`;
  if (range.since) return `>= ${range.since}`;
  if (range.until) return `< ${range.until}`;
  return 'any version';
}

/** Whether a version satisfies a range. */
export function inRange(version: SyncthingVersion, range: VersionRange): boolean {
  if (range.since && !versionAtLeast(version, range.since)) return false;
  if (range.until && versionAtLeast(version, range.until)) return false;
  return true;
}

/** Whether the server supports a named feature. */
export function syncthingSupports(version: SyncthingVersion, feature: SyncthingFeature): boolean {
  return inRange(version, SYNCTHING_FEATURES[feature]);
}
