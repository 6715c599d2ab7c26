/** The same setup on a real, throwaway PostgreSQL cluster (initdb/pg_ctl as the postgres user). */
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunner } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HeadscaleClient } from '../src/index.js';
import { describeWith, freePort, startTestServer, type TestServer } from './helpers.js';
import { must } from './must.js';

const PG = '/usr/lib/postgresql/15/bin';
const HS = '/var/cache/mesh/bin/headscale';
const runner = createRunner();

describeWith(
  'headscale on PostgreSQL',
  [HS, `${PG}/initdb`, `${PG}/pg_ctl`, '/usr/sbin/runuser'],
  () => {
    let dir: string;
    let port: number;
    let srv: TestServer | undefined;
    const asPg = (file: string, args: string[]) =>
      runner.run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 60_000 });

    beforeAll(async () => {
      dir = await mkdtemp('/tmp/mesh-pg-');
      await chmod(dir, 0o755);
      const data = join(dir, 'data');
      const ids = await runner.run('id', ['-u', 'postgres']);
      const gid = await runner.run('id', ['-g', 'postgres']);
      await chown(dir, Number(ids.stdout), Number(gid.stdout));
      port = await freePort();
      const init = await asPg(`${PG}/initdb`, [
        '-D',
        data,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
      ]);
      expect(init.exitCode, init.stderr).toBe(0);
      const start = await asPg(`${PG}/pg_ctl`, [
        '-D',
        data,
        '-l',
        join(dir, 'pg.log'),
        '-w',
        '-t',
        '30',
        '-o',
        `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`,
        'start',
      ]);
      expect(start.exitCode, start.stderr + start.stdout).toBe(0);
      const created = await asPg(`${PG}/createdb`, [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        'headscale',
      ]);
      expect(created.exitCode, created.stderr).toBe(0);
      srv = await startTestServer(HS, {
        database: {
          type: 'postgres',
          host: '127.0.0.1',
          port,
          name: 'headscale',
          user: 'postgres',
          password: 'unused-trust',
        },
      });
    }, 120_000);

    afterAll(async () => {
      await srv?.stop();
      if (dir) {
        await asPg(`${PG}/pg_ctl`, ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('sets up, is healthy, and stores users and keys in PostgreSQL', async () => {
      expect(srv?.changed).toBe(true);
      const { cli, url } = must(srv, 'server');
      expect(await cli.health()).toEqual({ ok: true, databaseConnectivity: true });
      expect((await cli.users.ensure('pg-user')).changed).toBe(true);
      expect((await cli.users.ensure('pg-user')).changed).toBe(false);
      const { key } = await cli.apiKeys.create();
      const rest = new HeadscaleClient({ rest: { url, apiKey: key } });
      const pak = await rest.preAuthKeys.create({ user: { name: 'pg-user' }, reusable: true });
      expect(pak.reusable).toBe(true);
      // the row really is in PostgreSQL
      const rows = await asPg(`${PG}/psql`, [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'headscale',
        '-Atc',
        'select name from users',
      ]);
      expect(rows.stdout.split('\n')).toContain('pg-user');
    });
  },
);
