/**
 * Against a REAL headscale on 127.0.0.1 (random ports, temp state), once per supported minor we
 * have a binary for, to prove the dialect handling.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  HeadscaleApiError,
  HeadscaleAuthError,
  HeadscaleClient,
  HeadscaleCommandError,
  HeadscaleConfigError,
  HeadscaleConnectionError,
  HeadscaleNotFoundError,
  HeadscaleUnsupportedError,
  headscaleSupports,
  MIN_HEADSCALE_VERSION,
  renderHeadscalePolicy,
  renderOpenPolicy,
  SELF_HOSTED_NODE_ATTRS,
  setupHeadscaleServer,
} from '../src/index.js';
import { describeWith, freePort, startTestServer, type TestServer } from './helpers.js';
import { must } from './must.js';

const VERSIONS = [
  { bin: '/var/cache/mesh/bin/headscale', expect: '0.29' },
  { bin: '/var/cache/mesh/bin/headscale-v0.28', expect: '0.28' },
  { bin: '/var/cache/mesh/bin/headscale-v0.27', expect: '0.27' },
  { bin: '/var/cache/mesh/bin/headscale-v0.26', expect: '0.26' },
];

for (const v of VERSIONS) {
  describeWith(`headscale ${v.expect} (${v.bin})`, [v.bin], () => {
    let srv: TestServer;
    let rest: HeadscaleClient;
    let version: string;

    beforeAll(async () => {
      srv = await startTestServer(v.bin);
    }, 60_000);
    afterAll(async () => {
      await srv?.stop();
    });

    it('sets up from nothing, then is idempotent', async () => {
      expect(srv.changed).toBe(true);
      expect(srv.steps.find((s) => s.name === 'config')?.changed).toBe(true);
      expect(srv.steps.find((s) => s.name === 'service-start')?.changed).toBe(true);
      const again = await setupHeadscaleServer({
        configPath: srv.configPath,
        config: srv.options,
        binary: v.bin,
      });
      expect(again.changed).toBe(false);
      expect(again.steps.every((s) => !s.changed)).toBe(true);
    });

    it('detects the version over the CLI and REST', async () => {
      const info = await srv.cli.version();
      expect(info.version.startsWith(`${v.expect}.`)).toBe(true);
      version = info.version;
    });

    it('creates an API key over the CLI and uses it over REST', async () => {
      const created = await srv.cli.apiKeys.create({ expiration: 3_600_000 });
      expect(created.key.length).toBeGreaterThan(20);
      rest = new HeadscaleClient({ rest: { url: srv.url, apiKey: created.key } });
      if (headscaleSupports(version, 'versionEndpoint')) {
        expect((await rest.version()).version).toBe(version);
      } else {
        // No GET /version before 0.27: REST can only assume the oldest minor it speaks.
        expect(await rest.version()).toMatchObject({
          version: MIN_HEADSCALE_VERSION,
          assumed: true,
        });
      }
      const keys = await rest.apiKeys.list();
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(await srv.cli.apiKeys.list()).toEqual(keys);
    });

    it('reports health over both transports', async () => {
      if (!headscaleSupports(version, 'health')) {
        // Before 0.27 only the unauthenticated /health exists: no database check, no CLI.
        expect(await rest.health()).toEqual({ ok: true, httpStatus: 200, status: 'pass' });
        await expect(srv.cli.health()).rejects.toBeInstanceOf(HeadscaleUnsupportedError);
        return;
      }
      expect(await rest.health()).toEqual({
        ok: true,
        httpStatus: 200,
        status: 'pass',
        databaseConnectivity: true,
      });
      expect(await srv.cli.health()).toEqual({ ok: true, databaseConnectivity: true });
    });

    it('ensures a user idempotently, and both transports agree on it', async () => {
      const first = await rest.users.ensure('alice');
      expect(first.changed).toBe(true);
      const second = await rest.users.ensure('alice');
      expect(second).toEqual({ user: first.user, changed: false });
      const viaCli = await srv.cli.users.ensure('alice');
      expect(viaCli).toEqual({ user: first.user, changed: false });
      expect(await srv.cli.users.list()).toEqual(await rest.users.list());
      await expect(rest.users.create({ name: 'alice' })).rejects.toBeInstanceOf(HeadscaleApiError);
      await expect(srv.cli.users.create({ name: 'alice' })).rejects.toBeInstanceOf(
        HeadscaleCommandError,
      );
    });

    it('renames and deletes users', async () => {
      const { user } = await srv.cli.users.ensure('tmp-user');
      expect((await rest.users.rename({ id: user.id }, 'tmp-renamed')).name).toBe('tmp-renamed');
      await srv.cli.users.delete({ name: 'tmp-renamed' });
      await expect(rest.users.get({ name: 'tmp-renamed' })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
    });

    it('creates pre-auth keys of every kind over both transports', async () => {
      const user = { name: 'alice' };
      const expiration = new Date(Date.now() + 2 * 3_600_000);
      for (const client of [rest, srv.cli]) {
        const single = await client.preAuthKeys.create({ user });
        expect(single).toMatchObject({
          reusable: false,
          ephemeral: false,
          used: false,
          aclTags: [],
        });
        expect(must(single.expiration, 'expiration').getTime()).toBeGreaterThan(Date.now());
        const reusable = await client.preAuthKeys.create({ user, reusable: true, expiration });
        expect(reusable.reusable).toBe(true);
        expect(
          Math.abs(must(reusable.expiration, 'expiration').getTime() - expiration.getTime()),
        ).toBeLessThan(5_000);
        const eph = await client.preAuthKeys.create({ user, ephemeral: true, tags: ['tag:ci'] });
        expect(eph).toMatchObject({ ephemeral: true, aclTags: ['tag:ci'] });
        expect(eph.user?.name).toBe('alice');
      }
      const listed = await rest.preAuthKeys.list({ user });
      expect(listed.length).toBe(6);
      expect(await srv.cli.preAuthKeys.list({ user })).toEqual(listed);
      if (headscaleSupports(version, 'tagsOnlyPreAuthKey')) {
        const tagsOnly = await rest.preAuthKeys.create({ tags: ['tag:server'] });
        expect(tagsOnly.user).toBeUndefined();
      } else {
        await expect(rest.preAuthKeys.create({ tags: ['tag:server'] })).rejects.toBeInstanceOf(
          HeadscaleUnsupportedError,
        );
      }
    });

    it('expires and deletes pre-auth keys where the version allows', async () => {
      const key = await rest.preAuthKeys.create({ user: { name: 'alice' }, reusable: true });
      await rest.preAuthKeys.expire(key);
      const after = (await rest.preAuthKeys.list({ user: { name: 'alice' } })).find(
        (k) => k.id === key.id,
      );
      expect(after?.expiration?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      if (headscaleSupports(version, 'preAuthKeyDelete')) {
        await srv.cli.preAuthKeys.delete(key.id);
        expect((await rest.preAuthKeys.list()).some((k) => k.id === key.id)).toBe(false);
      } else {
        const err = await rest.preAuthKeys.delete(key.id).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HeadscaleUnsupportedError);
        // The version REST speaks: assumed on servers without /version.
        expect((err as Error).message).toContain((await rest.version()).version);
        await expect(srv.cli.preAuthKeys.expire(key)).rejects.toBeInstanceOf(
          HeadscaleUnsupportedError,
        );
      }
    });

    it('gets and sets the policy (database mode)', async () => {
      await expect(rest.policy.get()).rejects.toBeInstanceOf(HeadscaleNotFoundError);
      await expect(srv.cli.policy.get()).rejects.toBeInstanceOf(HeadscaleNotFoundError);
      const policy =
        '{"tagOwners":{"tag:ci":["alice@"]},"acls":[{"action":"accept","src":["*"],"dst":["*:*"]}]}';
      const set = await rest.policy.set(policy);
      expect(JSON.parse(set.policy)).toEqual(JSON.parse(policy));
      expect(JSON.parse((await srv.cli.policy.get()).policy)).toEqual(JSON.parse(policy));
      const viaCli = await srv.cli.policy.set(
        '{"acls":[{"action":"accept","src":["alice@"],"dst":["*:*"]}]}',
      );
      expect(JSON.parse(viaCli.policy).acls[0].src).toEqual(['alice@']);
      expect((await rest.policy.get()).policy).toBe(viaCli.policy);
    });

    it('keeps a policy with node attributes byte for byte (0.29+)', async () => {
      const open = renderOpenPolicy({ nodeAttrs: SELF_HOSTED_NODE_ATTRS });
      const harden = renderHeadscalePolicy({
        user: 'alice',
        tcpPorts: [22000],
        nodeAttrs: SELF_HOSTED_NODE_ATTRS,
      });
      // Older minors never get nodeAttrs from mesh: 0.27 and 0.28 refuse them, 0.26 ignores them.
      if (!headscaleSupports((await srv.cli.version()).version, 'nodeAttrs')) return;
      for (const text of [harden, open]) {
        await rest.policy.set(text);
        // Setup compares what is stored with what it would store: equal bytes, no rewrite.
        expect((await rest.policy.get()).policy).toBe(text);
        expect((await srv.cli.policy.get()).policy).toBe(text);
      }
    });

    it('lists no nodes and reports missing nodes as not found', async () => {
      expect(await rest.nodes.list()).toEqual([]);
      expect(await srv.cli.nodes.list()).toEqual([]);
      await expect(rest.nodes.get('4242')).rejects.toBeInstanceOf(HeadscaleNotFoundError);
      await expect(srv.cli.nodes.get('4242')).rejects.toBeInstanceOf(HeadscaleNotFoundError);
    });

    it('wrong API key => HeadscaleAuthError, with the key redacted', async () => {
      const bad = new HeadscaleClient({
        rest: { url: srv.url, apiKey: 'hskey-api-AAAAAAAAAAAA-notarealsecretvalue123' },
      });
      const err = await bad.users.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HeadscaleAuthError);
      expect(String((err as Error).message)).not.toContain('notarealsecret');
      expect(JSON.stringify(err)).not.toContain('notarealsecret');
    });

    it('expired API key => HeadscaleAuthError', async () => {
      const created = await srv.cli.apiKeys.create({ expiration: 3_600_000 });
      const keyed = new HeadscaleClient({ rest: { url: srv.url, apiKey: created.key } });
      await keyed.users.list();
      const listed = await srv.cli.apiKeys.list();
      const mine = listed.find((k) => created.key.startsWith(k.prefix.replace(/-?\*+$/, '')));
      expect(mine).toBeDefined();
      await srv.cli.apiKeys.expire(must(mine, 'listed API key'));
      await expect(keyed.users.list()).rejects.toBeInstanceOf(HeadscaleAuthError);
    });

    it('unknown user => HeadscaleNotFoundError on every path', async () => {
      await expect(rest.users.get({ name: 'nobody' })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
      await expect(srv.cli.users.get({ name: 'nobody' })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
      await expect(rest.preAuthKeys.create({ user: { name: 'nobody' } })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
      await expect(rest.users.delete({ id: '9999' })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
      await expect(srv.cli.users.delete({ id: '9999' })).rejects.toBeInstanceOf(
        HeadscaleNotFoundError,
      );
    });

    it('port in use => HeadscaleConfigError before anything is written', async () => {
      const dir = join(srv.dir, 'second');
      const err = await setupHeadscaleServer({
        configPath: join(dir, 'config.yaml'),
        config: { ...srv.options, stateDir: join(dir, 'state') },
        binary: v.bin,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HeadscaleConfigError);
      expect((err as Error).message).toMatch(/already in use/);
      expect(existsSync(join(dir, 'config.yaml'))).toBe(false);
      expect(await readdir(join(dir, 'state'))).toEqual([]);
    });
  });
}

describeWith('unreachable server', [], () => {
  it('=> HeadscaleConnectionError (REST and CLI)', async () => {
    const port = await freePort();
    const rest = new HeadscaleClient({
      rest: { url: `http://127.0.0.1:${port}`, apiKey: 'hskey-api-x-y', timeout: 3_000 },
    });
    await expect(rest.users.list()).rejects.toBeInstanceOf(HeadscaleConnectionError);
    const { bin } = must(VERSIONS[0], 'a headscale version');
    if (existsSync(bin)) {
      const cli = new HeadscaleClient({
        cli: { binary: bin, socketPath: '/tmp/mesh-no-such.sock' },
        version: '0.29.2',
      });
      await expect(cli.users.list()).rejects.toBeInstanceOf(HeadscaleConnectionError);
    }
  });

  it('malformed server URL => HeadscaleConfigError', () => {
    expect(() => new HeadscaleClient({ rest: { url: 'localhost:8080:x', apiKey: 'k' } })).toThrow(
      HeadscaleConfigError,
    );
  });

  it('a caller abort is not a connection error', async () => {
    const port = await freePort();
    const rest = new HeadscaleClient({
      rest: { url: `http://127.0.0.1:${port}`, apiKey: 'k' },
      version: '0.29.2',
    });
    const ac = new AbortController();
    ac.abort();
    const err = await rest.users.list({}, { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('HeadscaleAbortError');
  });
});
