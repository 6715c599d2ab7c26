/**
 * A real tailscaled (userspace networking, loopback only, every no-phone-home knob) registers
 * with a pre-auth key; node list/rename/expire/delete must show up in its `tailscale status`.
 * Runs in the root namespace without the lab; the lab version lives in node.lab.test.ts.
 */

import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunner } from '@mesh/platform';
import { until } from '@mesh/test-utils';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HeadscaleClient } from '../src/index.js';
import { describeWith, startTestServer, type TestServer } from './helpers.js';
import { must } from './must.js';

const BIN = '/var/cache/mesh/bin';
// MESH_TAILSCALED_BIN / MESH_TAILSCALE_BIN pick another client build, e.g. tailscaled-v1.102.
const TAILSCALED = process.env['MESH_TAILSCALED_BIN'] || `${BIN}/tailscaled`;
const TAILSCALE = process.env['MESH_TAILSCALE_BIN'] || `${BIN}/tailscale`;
const runner = createRunner();
/** How long a node change may take to show in `tailscale status`. */
const WAIT_MS = 20_000;

/**
 * Why this client may not run here, outside the lab. Before ts_omit_captiveportal existed (1.80
 * has none; 1.98 is the oldest checked that has it) a client probes public hosts for a captive
 * portal whenever it feels unhealthy, and only the lab's namespaces have no way out.
 */
function outsideLabRefusal(): string | undefined {
  if (!existsSync(TAILSCALED)) return undefined;
  const first = execaSync(TAILSCALED, ['--version'], { timeout: 10_000 }).stdout.split('\n')[0];
  const m = /^1\.(\d+)\./.exec(first ?? '');
  if (m && Number(m[1]) >= 98) return undefined;
  return `${TAILSCALED} is ${first}: run it in the lab (node.lab.test.ts), not on loopback`;
}
const refusal = outsideLabRefusal();
if (refusal) console.warn(`[skip] nodes over loopback: ${refusal}`);
const statusSchema = z.object({
  BackendState: z.string(),
  Self: z.object({ HostName: z.string(), DNSName: z.string().optional() }).passthrough().optional(),
});

for (const hs of ['', '-v0.28', '-v0.27', '-v0.26'].map((v) => `${BIN}/headscale${v}`)) {
  const only = (name: string, required: string[], fn: () => void) =>
    refusal ? describe.skip(name, fn) : describeWith(name, required, fn);
  only(`nodes over loopback (${hs})`, [hs, TAILSCALED, TAILSCALE], () => {
    let srv: TestServer;
    let rest: HeadscaleClient;
    let daemon: ({ kill(signal?: NodeJS.Signals): boolean } & PromiseLike<unknown>) | undefined;
    let sock: string;
    const ts = (args: string[]) =>
      runner.run(TAILSCALE, [`--socket=${sock}`, ...args], { timeout: 30_000 });
    const status = async () =>
      statusSchema.parse(JSON.parse((await ts(['status', '--json'])).stdout));

    beforeAll(async () => {
      srv = await startTestServer(hs);
      rest = new HeadscaleClient({
        rest: { url: srv.url, apiKey: (await srv.cli.apiKeys.create()).key },
      });
      const state = join(srv.dir, 'ts');
      await mkdir(join(state, 'logs'), { recursive: true });
      sock = join(state, 'ts.sock');
      daemon = execa(
        TAILSCALED,
        [
          '--tun=userspace-networking',
          `--statedir=${state}`,
          `--socket=${sock}`,
          '--port=0',
          '--no-logs-no-support',
        ],
        {
          env: {
            TS_NO_LOGS_NO_SUPPORT: 'true',
            TS_LOGS_DIR: join(state, 'logs'),
            TS_PANIC_IF_HIT_MAIN_CONTROL: '1',
            TS_DISABLE_PORTMAPPER: '1',
            TS_DEBUG_USE_DERP_HTTP: '1',
          },
          stdin: 'ignore',
          stdout: 'ignore',
          stderr: 'ignore',
          reject: false,
        },
      );
      await until(
        'tailscaled socket',
        async () =>
          (await ts(['status', '--json'])).exitCode !== 1 ||
          (await ts(['version'])).exitCode === 0 ||
          undefined,
        WAIT_MS,
      );
      await rest.users.ensure('nodeuser');
      const key = await rest.preAuthKeys.create({ user: { name: 'nodeuser' } });
      // The key reaches tailscale through a 0600 file, never argv (Node's stdin pipes are sockets,
      // which `file:/dev/stdin` cannot open).
      const keyFile = join(state, 'authkey');
      await writeFile(keyFile, key.key, { mode: 0o600 });
      const up = await ts([
        'up',
        `--login-server=${srv.url}`,
        `--auth-key=file:${keyFile}`,
        '--hostname=probe',
        '--timeout=30s',
      ]);
      await rm(keyFile);
      expect(up.exitCode, up.stderr).toBe(0);
    }, 90_000);

    afterAll(async () => {
      daemon?.kill('SIGTERM');
      await daemon;
      await srv?.stop();
    }, 30_000);

    it('lists the registered node identically over both transports', async () => {
      const nodes = await rest.nodes.list();
      expect(nodes).toHaveLength(1);
      expect(nodes[0]).toMatchObject({
        name: 'probe',
        givenName: 'probe',
        registerMethod: 'authKey',
        user: { name: 'nodeuser' },
      });
      expect(must(nodes[0], 'node').ipAddresses.length).toBeGreaterThan(0);
      const viaCli = await srv.cli.nodes.list();
      // online/lastSeen may move between the two calls
      const strip = (n: (typeof nodes)[number]) => ({
        ...n,
        lastSeen: undefined,
        online: undefined,
      });
      expect(viaCli.map(strip)).toEqual(nodes.map(strip));
      expect(await rest.nodes.list({ user: 'nodeuser' })).toHaveLength(1);
    });

    it('rename shows in tailscale status', async () => {
      const node = must((await rest.nodes.list())[0], 'node');
      expect((await srv.cli.nodes.rename(node.id, 'renamed')).givenName).toBe('renamed');
      await until(
        'renamed DNS name',
        async () => ((await status()).Self?.DNSName ?? '').startsWith('renamed.') || undefined,
        WAIT_MS,
      );
    });

    it('expire logs the node out, delete removes it', async () => {
      const node = must((await rest.nodes.list())[0], 'node');
      const expired = await rest.nodes.expire(node.id);
      expect(must(expired.expiry, 'expiry').getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      await until(
        'NeedsLogin after expiry',
        async () => (await status()).BackendState === 'NeedsLogin' || undefined,
        WAIT_MS,
      );
      await srv.cli.nodes.delete(node.id);
      expect(await rest.nodes.list()).toEqual([]);
    });
  });
}
