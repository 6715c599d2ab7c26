/**
 * The hardened Headscale settings: what each is for, whether a config already has it, and the
 * edit of config.yaml that gives it (every other byte kept). Each setting is one a Headscale of
 * 0.26 to 0.29 reads, or ignores when it predates it; none of them costs the mesh anything.
 */

import { isIP } from 'node:net';
import type { HeadscaleConfigOptions } from './config.js';
import { editYaml, type YamlEdit } from './yaml-edit.js';

/** One hardened setting of config.yaml. */
export interface HardenedSetting {
  /** Dotted key path, e.g. `logtail.enabled`. */
  key: string;
  /** Why the hardened value is the right one, in a few words. */
  why: string;
  /** Whether the current value (undefined when the key is absent) is already hardened. */
  ok(current: unknown): boolean;
  /** The value to write in place of `current`. */
  fix(current: unknown): YamlEdit['value'];
  /** Why writing the fix would break this config (Headscale would not start), when it would. */
  blockedBy?(config: Record<string, unknown>): string | undefined;
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** The host of `host:port` / `[v6]:port`, brackets removed. */
const hostOf = (addr: string) => addr.replace(/:\d*$/, '').replace(/^\[|\]$/g, '');

/**
 * The settings `mesh harden server` gives a config (the policy aside, see
 * {@link headscalePolicySettings}). Not among them: `randomize_client_port`, which is about
 * getting through some firewalls rather than security, and which 0.29 refuses to start with.
 */
export const HEADSCALE_HARDENING: readonly HardenedSetting[] = [
  {
    key: 'logtail.enabled',
    why: "nodes are not told to upload their logs to Tailscale's log server",
    ok: (c) => c !== true,
    fix: () => false,
  },
  {
    key: 'disable_check_updates',
    why: 'no headscale command asks GitHub for a newer release',
    ok: (c) => c === true,
    fix: () => true,
  },
  {
    key: 'auto_update.enabled',
    why: "nodes are not told to update themselves from Tailscale's servers (0.29+)",
    ok: (c) => c !== true,
    fix: () => false,
  },
  {
    key: 'derp.urls',
    why: "no download of Tailscale's public DERP map: relays stay on this server",
    ok: (c) => c === undefined || c === '' || (Array.isArray(c) && c.length === 0),
    fix: () => [],
    blockedBy(config) {
      const server = configValueAt(config, 'derp.server') as Record<string, unknown> | undefined;
      const embedded =
        server?.['enabled'] === true && server['automatically_add_embedded_derp_region'] !== false;
      const paths = configValueAt(config, 'derp.paths');
      if (embedded || (Array.isArray(paths) && paths.length > 0)) return undefined;
      return 'no DERP region would be left and Headscale would not start (turn on derp.server, or list a derp.paths file)';
    },
  },
  {
    key: 'derp.server.verify_clients',
    why: 'the embedded DERP relays only for nodes this Headscale knows (0.27+)',
    ok: (c) => c !== false,
    fix: () => true,
  },
  {
    key: 'taildrop.enabled',
    why: 'files move through the synced folder only: Taildrop, a second way between nodes, is off (0.28+)',
    ok: (c) => c === false,
    fix: () => false,
  },
  {
    key: 'metrics_listen_addr',
    why: 'the metrics and debug server, which asks for no key, answers on loopback only',
    ok: (c) => c === undefined || c === '' || (typeof c === 'string' && isLoopbackHost(hostOf(c))),
    fix: (c) => `127.0.0.1:${/:(\d+)$/.exec(String(c))?.[1] ?? '9090'}`,
  },
  {
    key: 'grpc_allow_insecure',
    why: 'the remote admin API is never served without TLS',
    ok: (c) => c !== true,
    fix: () => false,
  },
  {
    key: 'unix_socket_permission',
    why: 'only root and the Headscale group may use the admin socket, which asks for no key',
    // Headscale parses it base 8 and falls back to 0700 when it cannot: only other-bits matter.
    ok: (c) => {
      const mode = Number.parseInt(String(c ?? '0700').replace(/^0o/, ''), 8);
      return Number.isNaN(mode) || (mode & 0o007) === 0;
    },
    // Quoted, or YAML reads the decimal number 770.
    fix: () => '0770',
  },
];

/** The two settings that make Headscale read its ACL policy from `policyPath`. */
export function headscalePolicySettings(policyPath: string): HardenedSetting[] {
  return [
    {
      key: 'policy.mode',
      why: 'the ACL policy comes from a file: connections it does not allow are refused',
      ok: (c) => c === 'file' || c === undefined,
      fix: () => 'file',
    },
    {
      key: 'policy.path',
      why: 'the mesh policy file',
      ok: (c) => c === policyPath,
      fix: () => policyPath,
    },
  ];
}

/** The value at a dotted key path of a parsed config, or undefined. */
export function configValueAt(config: Record<string, unknown>, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * Where a config takes its ACL policy from: `file` with a path, `file` without one (no policy:
 * every node may reach every port of every other), or `database` (whatever was stored over the
 * API, if anything). Headscale's own default mode is `file`.
 */
export function headscalePolicyOf(config: Record<string, unknown>): {
  mode: string;
  path: string;
} {
  const mode = configValueAt(config, 'policy.mode');
  const path = configValueAt(config, 'policy.path');
  return {
    mode: typeof mode === 'string' && mode !== '' ? mode : 'file',
    path: typeof path === 'string' ? path : '',
  };
}

/** The settings of {@link HEADSCALE_HARDENING} a parsed config lacks, with their current values. */
export function headscaleHardeningGaps(
  config: Record<string, unknown>,
): Array<{ key: string; current: unknown; why: string }> {
  return HEADSCALE_HARDENING.filter((s) => !s.ok(configValueAt(config, s.key))).map((s) => ({
    key: s.key,
    current: configValueAt(config, s.key),
    why: s.why,
  }));
}

/** What {@link hardenHeadscaleConfig} did, or would do, to a config file. */
export interface HardenedConfig {
  /** The new text (`text` itself when nothing changes). */
  text: string;
  changes: Array<{ key: string; from: unknown; to: unknown; why: string }>;
  /** Settings left as they are because the fix would break this config. */
  blocked: Array<{ key: string; reason: string }>;
}

/**
 * Gives config.yaml `text` the hardened settings, and the ACL policy at `policyPath` when given.
 * Only the values that change are edited; a hardened file comes back unchanged.
 * @throws {HeadscaleConfigError} when `text` is not YAML or a value cannot be placed.
 */
export function hardenHeadscaleConfig(
  text: string,
  config: Record<string, unknown>,
  o: { policyPath?: string; what?: string } = {},
): HardenedConfig {
  const settings = [
    ...(o.policyPath === undefined ? [] : headscalePolicySettings(o.policyPath)),
    ...HEADSCALE_HARDENING,
  ];
  const edits: YamlEdit[] = [];
  const result: HardenedConfig = { text, changes: [], blocked: [] };
  for (const s of settings) {
    const current = configValueAt(config, s.key);
    if (s.ok(current)) continue;
    const reason = s.blockedBy?.(config);
    if (reason !== undefined) {
      result.blocked.push({ key: s.key, reason });
      continue;
    }
    const to = s.fix(current);
    edits.push({ path: s.key.split('.'), value: to });
    result.changes.push({ key: s.key, from: current, to, why: s.why });
  }
  result.text = editYaml(text, edits, o.what);
  return result;
}

/**
 * The hardening an existing config has that a freshly rendered one would lose: its policy file
 * and Taildrop off. Setup passes them on, so running it again keeps `mesh harden server`'s work.
 */
export function keptHardening(
  config: Record<string, unknown>,
): Pick<HeadscaleConfigOptions, 'policyPath' | 'taildrop'> {
  const policy = headscalePolicyOf(config);
  return {
    ...(policy.mode === 'file' && policy.path !== '' ? { policyPath: policy.path } : {}),
    ...(configValueAt(config, 'taildrop.enabled') === false ? { taildrop: false } : {}),
  };
}
