import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type HeadscaleConfigOptions, renderHeadscaleConfig } from './config.js';
import {
  configValueAt,
  hardenHeadscaleConfig,
  headscaleHardeningGaps,
  headscalePolicyOf,
  keptHardening,
} from './hardening.js';

const base: HeadscaleConfigOptions = {
  serverUrl: 'http://10.99.0.1:8080',
  listenAddr: '10.99.0.1:8080',
  stateDir: '/var/lib/headscale',
};
const POLICY = '/etc/headscale/policy.hujson';

/** The shape of Headscale's packaged config-example.yaml, as a person installs it. */
const PACKAGED = `---
# headscale will look for a configuration file named \`config.yaml\` (or \`config.json\`) in the
# following order: /etc/headscale, ~/.headscale, the working directory.
server_url: http://127.0.0.1:8080
listen_addr: 127.0.0.1:8080
metrics_listen_addr: 0.0.0.0:9090
grpc_listen_addr: 127.0.0.1:50443
grpc_allow_insecure: false
derp:
  server:
    enabled: false
    verify_clients: true
  urls:
    - https://controlplane.tailscale.com/derpmap/default
  paths: []
  auto_update_enabled: true
disable_check_updates: false
unix_socket: /var/run/headscale/headscale.sock
unix_socket_permission: "0777"
policy:
  # The mode can be "file" or "database".
  mode: file
  # If the path is empty, no ACL policy is applied.
  path: ""
logtail:
  # Enable logtail for tailscale nodes of this Headscale instance.
  enabled: true
taildrop:
  enabled: true
`;

const harden = (text: string, policyPath?: string) =>
  hardenHeadscaleConfig(text, parse(text), policyPath === undefined ? {} : { policyPath });

describe('hardenHeadscaleConfig', () => {
  it("on mesh's own config: the policy file and Taildrop, giving what setup renders with them", () => {
    const text = renderHeadscaleConfig(base);
    const r = harden(text, POLICY);
    expect(r.changes.map((c) => [c.key, c.from, c.to])).toEqual([
      ['policy.mode', 'database', 'file'],
      ['policy.path', '', POLICY],
      ['taildrop.enabled', undefined, false],
    ]);
    expect(r.blocked).toEqual([]);
    // So `mesh server setup` run afterwards (which keeps both) rewrites nothing.
    expect(r.text).toBe(renderHeadscaleConfig({ ...base, policyPath: POLICY, taildrop: false }));
  });

  it('a second run changes nothing, not even a byte', () => {
    const once = harden(renderHeadscaleConfig(base), POLICY).text;
    const twice = harden(once, POLICY);
    expect(twice.changes).toEqual([]);
    expect(twice.text).toBe(once);
  });

  it("on the packaged config: each weak value, the person's comments kept", () => {
    const r = harden(PACKAGED, POLICY);
    expect(
      r.changes.map((c) => `${c.key}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`),
    ).toEqual([
      `policy.path: "" -> "${POLICY}"`,
      'logtail.enabled: true -> false',
      'disable_check_updates: false -> true',
      'taildrop.enabled: true -> false',
      'metrics_listen_addr: "0.0.0.0:9090" -> "127.0.0.1:9090"',
      'unix_socket_permission: "0777" -> "0770"',
    ]);
    // Without the embedded DERP server, dropping the public map would leave no region at all.
    expect(r.blocked).toEqual([
      { key: 'derp.urls', reason: expect.stringMatching(/no DERP region/) },
    ]);
    expect(r.text).toBe(
      PACKAGED.replace('path: ""', `path: ${POLICY}`)
        .replace(
          '  enabled: true\ntaildrop:\n  enabled: true',
          '  enabled: false\ntaildrop:\n  enabled: false',
        )
        .replace('disable_check_updates: false', 'disable_check_updates: true')
        .replace('metrics_listen_addr: 0.0.0.0:9090', 'metrics_listen_addr: 127.0.0.1:9090')
        .replace('"0777"', '"0770"'),
    );
  });

  it('drops the public DERP map where the embedded server provides a region', () => {
    const text = PACKAGED.replace('    enabled: false\n', '    enabled: true\n');
    const r = harden(text);
    expect(r.changes.map((c) => c.key)).toContain('derp.urls');
    expect(parse(r.text).derp.urls).toEqual([]);
    // Without policyPath the policy is left to the caller.
    expect(r.changes.map((c) => c.key)).not.toContain('policy.path');
  });
});

describe('headscaleHardeningGaps', () => {
  it("mesh's config lacks Taildrop off only; the packaged one lacks more", () => {
    expect(headscaleHardeningGaps(parse(renderHeadscaleConfig(base))).map((g) => g.key)).toEqual([
      'taildrop.enabled',
    ]);
    expect(headscaleHardeningGaps(parse(PACKAGED)).map((g) => g.key)).toEqual([
      'logtail.enabled',
      'disable_check_updates',
      'derp.urls',
      'taildrop.enabled',
      'metrics_listen_addr',
      'unix_socket_permission',
    ]);
  });

  it('takes absent keys at Headscale’s own defaults', () => {
    expect(headscaleHardeningGaps({}).map((g) => g.key)).toEqual([
      'disable_check_updates',
      'taildrop.enabled',
    ]);
  });
});

describe('headscalePolicyOf, keptHardening, configValueAt', () => {
  it('reads where the policy comes from (Headscale defaults to file mode)', () => {
    expect(headscalePolicyOf({})).toEqual({ mode: 'file', path: '' });
    expect(headscalePolicyOf(parse(renderHeadscaleConfig(base)))).toEqual({
      mode: 'database',
      path: '',
    });
  });

  it('keeps what hardening added, and nothing of a config without it', () => {
    const hardened = parse(renderHeadscaleConfig({ ...base, policyPath: POLICY, taildrop: false }));
    expect(keptHardening(hardened)).toEqual({ policyPath: POLICY, taildrop: false });
    expect(keptHardening(parse(renderHeadscaleConfig(base)))).toEqual({});
    expect(configValueAt({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(configValueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('the config writer refuses a relative policy path', () => {
    expect(() => renderHeadscaleConfig({ ...base, policyPath: 'policy.hujson' })).toThrow(
      /policyPath must be an absolute path/,
    );
  });
});
