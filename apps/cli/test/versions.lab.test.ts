import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLab, Lab } from '@mesh/lab';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mesh, sharedFolder, until } from './lab-helpers.js';

// The versions users run, in one mesh each: every Headscale minor mesh supports as the server,
// and Tailscale clients of three versions side by side: the default on wsl and the server, the
// newest that builds here on windows, and on laptop the oldest each server can run without
// captive-portal probes of public hosts: on 0.29, 1.80, the oldest it accepts, which mesh's
// policy tells not to probe (nodeAttrs, 0.29+); on the minors before, 1.90, the first that can
// be built without the probes. Built and cached by scripts/install-tools.sh; a missing binary
// fails the run where the lab must run.
const BIN = path.join(process.env['MESH_CACHE_DIR'] ?? '/var/cache/mesh', 'bin');
const HEADSCALES = ['v0.26', 'v0.27', 'v0.28', 'default'] as const;
const clientsOn = (hs: (typeof HEADSCALES)[number]) => ({
  wsl: 'default',
  windows: 'v1.102',
  laptop: hs === 'default' ? 'v1.80' : 'v1.90',
});
const SERVER_URL = 'http://10.99.0.1:8080';

const headscaleBin = (v: (typeof HEADSCALES)[number]) =>
  path.join(BIN, v === 'default' ? 'headscale' : `headscale-${v}`);
const clientEnv = (v: string) => {
  const suffix = v === 'default' ? '' : `-${v}`;
  return {
    MESH_TAILSCALE_BIN: path.join(BIN, `tailscale${suffix}`),
    MESH_TAILSCALED_BIN: path.join(BIN, `tailscaled${suffix}`),
  };
};

for (const hs of HEADSCALES) {
  const CLIENTS = clientsOn(hs);
  describeLab(
    `a mesh on Headscale ${hs}, clients on Tailscale ${Object.values(CLIENTS).join(' and ')}`,
    () => {
      let lab: Lab;
      let keyFile = '';
      const missing = [
        headscaleBin(hs),
        ...Object.values(CLIENTS).flatMap((v) => Object.values(clientEnv(v))),
      ].filter((f) => !existsSync(f));

      beforeAll(async () => {
        if (missing.length > 0) return;
        lab = await Lab.up({
          hosts: ['server', 'wsl', 'windows', 'laptop'],
          headscale: false,
          tailscale: false,
          syncthing: false,
          headscaleBinary: headscaleBin(hs),
        });
      }, 120_000);

      afterAll(() => lab?.down(), 60_000);

      it('has its binaries (scripts/install-tools.sh builds them)', () => {
        expect(missing).toEqual([]);
      });

      it('server setup, keygen, three clients of three Tailscale versions: in sync', async () => {
        expect(missing).toEqual([]);
        const setup = await mesh(lab, 'server', ['server', 'setup', '--json']);
        expect(setup.exitCode, setup.stderr).toBe(0);
        const key = await mesh(lab, 'server', ['server', 'keygen', '--json']);
        expect(key.exitCode, key.stderr).toBe(0);
        keyFile = (key.json as { keyFile: string }).keyFile;
        for (const [host, v] of Object.entries(CLIENTS)) {
          const r = await mesh(
            lab,
            host,
            ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile, '--json'],
            { env: clientEnv(v) },
          );
          expect(r.exitCode, `${host}: ${r.stderr}`).toBe(0);
        }
        await writeFile(path.join(sharedFolder(lab.host('wsl')), `from-wsl-${hs}.txt`), hs);
        await until('the file from wsl on every other member', async () => {
          for (const h of ['windows', 'laptop', 'server']) {
            await readFile(path.join(sharedFolder(lab.host(h)), `from-wsl-${hs}.txt`), 'utf8');
          }
          return true;
        });
        for (const host of ['server', ...Object.keys(CLIENTS)]) {
          const s = await mesh(lab, host, ['status', '--json'], {
            env: host === 'server' ? {} : clientEnv(CLIENTS[host as keyof typeof CLIENTS]),
          });
          expect(s.exitCode, `${host}: ${s.stdout}`).toBe(0);
        }
      }, 300_000);

      it('tailscale ping between the client versions, over the tailnet', async () => {
        expect(missing).toEqual([]);
        // The wsl host's own CLI version, on the socket its tailscaled serves (the lab's layout).
        const socket = path.join(lab.host('wsl').root, 'var/run/tailscale/tailscaled.sock');
        for (const peer of ['windows', 'laptop']) {
          const r = await lab
            .host('wsl')
            .runner.run(
              clientEnv(CLIENTS.wsl).MESH_TAILSCALE_BIN,
              [`--socket=${socket}`, 'ping', '-c', '5', peer],
              { timeout: 60_000 },
            );
          expect(r.exitCode, r.stderr + r.stdout).toBe(0);
          expect(r.stdout).toMatch(new RegExp(`pong from ${peer}`));
        }
        // The daemon on laptop is the old one, not the default.
        const laptopSocket = path.join(
          lab.host('laptop').root,
          'var/run/tailscale/tailscaled.sock',
        );
        const daemon = await lab
          .host('laptop')
          .runner.run(
            clientEnv(CLIENTS.laptop).MESH_TAILSCALE_BIN,
            [`--socket=${laptopSocket}`, 'version', '--daemon'],
            { timeout: 30_000 },
          );
        const version = CLIENTS.laptop.slice(1).replace('.', '\\.');
        expect(daemon.stdout, daemon.stderr).toMatch(new RegExp(`^Daemon: ${version}\\.`, 'm'));
        if (hs === 'default') {
          // 1.80 has its captive-portal probes built in: the server's policy turns them off.
          const knobs = await lab
            .host('laptop')
            .runner.run(
              clientEnv(CLIENTS.laptop).MESH_TAILSCALE_BIN,
              [`--socket=${laptopSocket}`, 'debug', 'control-knobs'],
              { timeout: 30_000 },
            );
          expect(JSON.parse(knobs.stdout), knobs.stderr).toMatchObject({
            DisableCaptivePortalDetection: true,
          });
        }
      }, 90_000);

      it('nodes list, rename, expire and remove against this Headscale', async () => {
        expect(missing).toEqual([]);
        // Joined with the others: setup again changes nothing.
        const joined = await mesh(
          lab,
          'laptop',
          ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile, '--json'],
          { env: clientEnv(CLIENTS.laptop) },
        );
        expect(joined.exitCode, joined.stderr).toBe(0);
        expect(joined.json, JSON.stringify(joined.json)).toMatchObject({ changed: false });
        const list = await mesh(lab, 'server', ['server', 'nodes', 'list', '--json']);
        expect(list.exitCode, list.stderr).toBe(0);
        const names = (list.json as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name);
        expect(names.sort()).toEqual(['laptop', 'server', 'windows', 'wsl']);
        for (const args of [
          ['rename', 'laptop', 'laptop2'],
          ['rename', 'laptop2', 'laptop'],
          ['expire', 'laptop'],
          ['remove', 'laptop', '--yes'],
        ]) {
          const r = await mesh(lab, 'server', ['server', 'nodes', ...args, '--json']);
          expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        }
        const after = await mesh(lab, 'server', ['server', 'nodes', 'list', '--json']);
        expect(
          (after.json as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name).sort(),
        ).toEqual(['server', 'windows', 'wsl']);
      }, 180_000);

      it('mesh client leave logs a client out; its files stay', async () => {
        expect(missing).toEqual([]);
        const r = await mesh(lab, 'wsl', ['client', 'leave', '--json'], {
          env: clientEnv(CLIENTS.wsl),
        });
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.json).toMatchObject({ ok: true, loggedOut: true });
        expect(
          await readFile(path.join(sharedFolder(lab.host('wsl')), `from-wsl-${hs}.txt`), 'utf8'),
        ).toBe(hs);
      }, 120_000);
    },
  );
}
