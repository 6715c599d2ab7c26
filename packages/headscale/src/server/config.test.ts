import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HeadscaleConfigError } from '../errors.js';
import {
  type HeadscaleConfigOptions,
  readHeadscaleConfig,
  renderHeadscaleConfig,
  writeHeadscaleConfig,
} from './config.js';

const base: HeadscaleConfigOptions = {
  serverUrl: 'http://10.99.0.1:8080',
  listenAddr: '10.99.0.1:8080',
  stateDir: '/var/lib/mesh/hs',
};

describe('renderHeadscaleConfig', () => {
  it('renders an offline config', () => {
    const text = renderHeadscaleConfig(base);
    const cfg = parse(text);
    expect(cfg.server_url).toBe('http://10.99.0.1:8080');
    expect(cfg.listen_addr).toBe('10.99.0.1:8080');
    expect(cfg.derp.urls).toEqual([]);
    expect(cfg.derp.paths).toEqual([]);
    expect(cfg.derp.auto_update_enabled).toBe(false);
    expect(cfg.derp.server).toMatchObject({
      enabled: true,
      region_id: 999,
      automatically_add_embedded_derp_region: true,
      stun_listen_addr: '10.99.0.1:3478',
      ipv4: '10.99.0.1',
    });
    expect(cfg.disable_check_updates).toBe(true);
    expect(cfg.logtail.enabled).toBe(false);
    expect(cfg.tuning).toEqual({ batch_change_delay: '20ms', node_store_batch_timeout: '10ms' });
    expect(cfg.metrics_listen_addr).toBe('');
    expect(cfg.policy.mode).toBe('database');
    expect(cfg.dns).toMatchObject({
      magic_dns: true,
      base_domain: 'mesh.internal',
      override_local_dns: false,
    });
    expect(cfg.unix_socket).toBe('/var/lib/mesh/hs/headscale.sock');
    expect(cfg.database).toEqual({
      type: 'sqlite',
      sqlite: {
        path: '/var/lib/mesh/hs/db.sqlite',
        write_ahead_log: true,
        wal_autocheckpoint: 1000,
      },
    });
    expect(cfg.prefixes).toMatchObject({ v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' });
    // Must stay a quoted string, or YAML reads it as the decimal number 770.
    expect(text).toMatch(/^unix_socket_permission: "0770"$/m);
    expect(cfg.unix_socket_permission).toBe('0770');
    const timeout = /^(\d+)s$/.exec(cfg.node.ephemeral.inactivity_timeout);
    expect(Number(timeout?.[1])).toBeGreaterThan(65);
  });

  it('renders postgres, custom prefixes, socket and IPv6 listen address', () => {
    const cfg = parse(
      renderHeadscaleConfig({
        ...base,
        serverUrl: 'https://hs.example.test',
        listenAddr: '[::1]:9443',
        socketPath: '/run/hs.sock',
        prefixes: { v4: '100.100.0.0/16' },
        database: {
          type: 'postgres',
          host: '127.0.0.1',
          port: 5433,
          name: 'hs',
          user: 'hs',
          password: 'pw',
        },
        baseDomain: 'tail.internal',
        logLevel: 'debug',
      }),
    );
    expect(cfg.server_url).toBe('https://hs.example.test');
    expect(cfg.listen_addr).toBe('[::1]:9443');
    expect(cfg.derp.server.stun_listen_addr).toBe('[::1]:3478');
    expect(cfg.derp.server.ipv4).toBeUndefined();
    expect(cfg.unix_socket).toBe('/run/hs.sock');
    expect(cfg.prefixes.v4).toBe('100.100.0.0/16');
    expect(cfg.database.postgres).toMatchObject({
      host: '127.0.0.1',
      port: 5433,
      name: 'hs',
      user: 'hs',
      pass: 'pw',
    });
    expect(cfg.log.level).toBe('debug');
  });

  it.each([
    ['malformed server URL', { serverUrl: 'not a url' }, /serverUrl is not a valid URL/],
    ['non-http scheme', { serverUrl: 'ftp://1.2.3.4' }, /http:\/\/ or https:\/\//],
    ['URL with a path', { serverUrl: 'http://1.2.3.4:8080/x' }, /no path/],
    ['listen without port', { listenAddr: '10.0.0.1' }, /listenAddr must be host:port/],
    ['relative stateDir', { stateDir: 'state' }, /stateDir must be an absolute path/],
    ['bad prefix', { prefixes: { v4: '100.64.0.0/40' } }, /prefixes.v4/],
    [
      'base domain = server host',
      { serverUrl: 'http://mesh.internal:8080' },
      /must not be the server host/,
    ],
    ['bad base domain', { baseDomain: 'Not Valid' }, /lowercase DNS name/],
    ['bad log level', { logLevel: 'loud' }, /logLevel/],
    [
      'postgres without user',
      { database: { type: 'postgres', host: 'h', port: 1, name: 'n', user: '' } },
      /postgres/,
    ],
  ] as const)('rejects %s', (_name, patch, message) => {
    expect(() => renderHeadscaleConfig({ ...base, ...patch } as HeadscaleConfigOptions)).toThrow(
      HeadscaleConfigError,
    );
    expect(() => renderHeadscaleConfig({ ...base, ...patch } as HeadscaleConfigOptions)).toThrow(
      message,
    );
  });
});

describe('writeHeadscaleConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-hs-cfg-'));
  });
  afterEach(async () => {
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically with mode 0640 (group: the service account) and is idempotent', async () => {
    const path = join(dir, 'sub', 'config.yaml');
    const o = { ...base, stateDir: dir };
    expect(await writeHeadscaleConfig(path, o)).toEqual({ changed: true });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await writeHeadscaleConfig(path, o)).toEqual({ changed: false });
    // a mode drift alone is repaired and reported
    await chmod(path, 0o644);
    expect(await writeHeadscaleConfig(path, o)).toEqual({ changed: true });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await writeHeadscaleConfig(path, { ...o, logLevel: 'debug' })).toEqual({
      changed: true,
    });
    expect(await readFile(path, 'utf8')).toContain('level: debug');
    expect(await readdir(join(dir, 'sub'))).toEqual(['config.yaml']);
  });

  it('leaves the old file untouched when options are invalid', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'old: true\n');
    await expect(writeHeadscaleConfig(path, { ...base, serverUrl: '::' })).rejects.toThrow(
      HeadscaleConfigError,
    );
    expect(await readFile(path, 'utf8')).toBe('old: true\n');
  });

  it('reports an unwritable directory clearly and leaves no temp file', async () => {
    if (process.getuid?.() === 0) {
      // root ignores directory modes; a path under a regular file fails for everyone instead
      await writeFile(join(dir, 'file'), '');
      await expect(writeHeadscaleConfig(join(dir, 'file', 'config.yaml'), base)).rejects.toThrow(
        /cannot write .*config\.yaml: E/,
      );
      return;
    }
    await mkdir(join(dir, 'ro'));
    await chmod(join(dir, 'ro'), 0o500);
    const err = await writeHeadscaleConfig(join(dir, 'ro', 'config.yaml'), base).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HeadscaleConfigError);
    expect((err as HeadscaleConfigError).message).toMatch(/EACCES/);
    expect(await readdir(join(dir, 'ro'))).toEqual([]);
  });

  it('rejects a relative path', async () => {
    await expect(writeHeadscaleConfig('config.yaml', base)).rejects.toThrow(/absolute/);
  });
});

describe('readHeadscaleConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-hs-read-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back what writeHeadscaleConfig wrote', async () => {
    const path = join(dir, 'config.yaml');
    await writeHeadscaleConfig(path, { ...base, stateDir: dir });
    expect(await readHeadscaleConfig(path)).toMatchObject({ server_url: base.serverUrl });
  });

  it.each([
    [
      'broken indentation',
      'server_url: http://x\n  listen_addr: : bad\n',
      /not valid YAML: .* at line 1, column 13$/,
    ],
    [
      'a duplicate key',
      'a: 1\na: 2\n',
      /not valid YAML: Map keys must be unique at line 2, column 1$/,
    ],
    ['a tab', 'a:\n\tb: 1\n', /not valid YAML: Tabs are not allowed/],
    ['nothing', '', /is not a Headscale config: it is empty, not a mapping of settings$/],
    ['a list', '- a\n', /it holds a list/],
  ])('names the file and the problem for %s, in one line', async (_name, text, message) => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, text);
    const err = await readHeadscaleConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadscaleConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.startsWith(path)).toBe(true);
    expect((err as Error).message).not.toContain('\n');
  });

  it('says a missing file does not exist', async () => {
    await expect(readHeadscaleConfig(join(dir, 'none.yaml'))).rejects.toThrow(
      `${join(dir, 'none.yaml')} does not exist`,
    );
  });
});
