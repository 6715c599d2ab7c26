import { chmod, copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLab, type Lab } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arrives as arrivesOn, checkJson, until } from './lab-helpers.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// The CLI end-to-end checks whose answer a real machine changes, on three Debian 12 machines
// booted with systemd (as systemd.lab.test.ts boots them: the single-file mesh, and everything
// else installed by mesh from the lab's package source): what `mesh status` says when a daemon
// dies, Headscale stops, a device is paused or the link is cut, with systemd restarting
// what mesh runs, and `mesh client leave`. The bare-host suite (lab.test.ts) covers the rest.
const SERVER_URL = 'http://10.99.0.1:8080';
const SINGLE_FILE_MESH = path.resolve(import.meta.dirname, '../dist-bin/mesh');
const HOSTS = ['server', 'wsl', 'windows'] as const;
const CLIENTS = ['wsl', 'windows'] as const;
const UNITS = ['mesh-tailscaled', 'mesh-syncthing', 'mesh-agent'] as const;

let lab: Lab;
const timings: Timings = [];

interface Check {
  name: string;
  level: string;
  message: string;
  fix?: string;
}

function on(host: string, file: string, args: readonly string[]): Promise<RunResult> {
  const source = lab.packageSource;
  return lab.host(host).runner.run(file, args, {
    timeout: 180_000,
    env: {
      NO_COLOR: '1',
      MESH_HEADSCALE_RELEASES_URL: source.headscaleUrl,
      MESH_TAILSCALE_PACKAGES_URL: source.tailscaleUrl,
      MESH_SYNCTHING_RELEASES_URL: source.syncthingUrl,
    },
  });
}

const mesh = (host: string, args: readonly string[]) => on(host, 'mesh', args);
/** `mesh client setup` with the key file copied to the machine. */
const join = (host: string) =>
  mesh(host, ['client', 'setup', '--server', SERVER_URL, '--key-file', '/root/join.key']);
const arrives = (host: string, file: string, text: string) => arrivesOn(lab.host(host), file, text);
const shared = (host: string, file: string) => path.join(lab.host(host).root, 'opt/shared', file);

async function status(host: string): Promise<{ exitCode: number; checks: Check[] }> {
  const r = await mesh(host, ['status', '--json']);
  const doc = JSON.parse(r.stdout) as { checks: Check[] };
  checkJson('status', doc);
  return { exitCode: r.exitCode, checks: doc.checks };
}

const failing = (s: { checks: Check[] }) => s.checks.filter((c) => c.level === 'fail');

/** `host`'s status once it fails (exit 3): within the agent's freshness, a report at most 2 s old. */
const statusFailing = (host: string) =>
  until(`${host} status failing`, async () => {
    const r = await status(host);
    return r.exitCode === 3 ? r : undefined;
  });

/** Waits until `host`'s status is healthy (exit 0). */
const healthy = (host: string, timeoutMs = 120_000) =>
  until(
    `${host} healthy`,
    async () => {
      const s = await status(host);
      if (s.exitCode !== 0) throw new Error(JSON.stringify(failing(s)));
      return true;
    },
    timeoutMs,
  );

/** A request to a machine's Syncthing REST API, made inside it with its own API key. */
async function syncthingRest(host: string, method: string, route: string): Promise<RunResult> {
  const v = JSON.parse((await mesh(host, ['status', '--verbose', '--json'])).stdout) as {
    environment: { syncthingHome: string };
    syncthing: { port: number };
  };
  const xml = await readFile(
    path.join(lab.host(host).root, v.environment.syncthingHome, 'config.xml'),
    'utf8',
  );
  const key = /<apikey>([^<]+)<\/apikey>/.exec(xml)?.[1] ?? '';
  // The key goes through a 0600 file (`curl -H @FILE`), so it is in no process's arguments.
  await writeFile(path.join(lab.host(host).root, 'root/st.header'), `X-API-Key: ${key}\n`, {
    mode: 0o600,
  });
  return on(host, 'curl', [
    '-sf',
    '-X',
    method,
    '-H',
    '@/root/st.header',
    `http://127.0.0.1:${v.syncthing.port}${route}`,
  ]);
}

describeLab('mesh end to end on systemd machines', () => {
  beforeAll(async () => {
    lab = await bootMachines(HOSTS, timings, {
      machinePrograms: [],
      packageSource: true,
      meshBinary: SINGLE_FILE_MESH,
    });
    const server = await mesh('server', ['server', 'setup']);
    expect(server.exitCode, server.stdout + server.stderr).toBe(0);
    const key = await mesh('server', ['server', 'keygen', '--json', '--save', '/root/join.key']);
    expect(key.exitCode, key.stderr).toBe(0);
    for (const c of CLIENTS) {
      const dest = path.join(lab.host(c).root, 'root/join.key');
      await copyFile(path.join(lab.host('server').root, 'root/join.key'), dest);
      await chmod(dest, 0o600);
      const r = await join(c);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    await writeFile(shared('server', 'welcome.txt'), 'hello\n');
    for (const c of CLIENTS) await arrives(c, 'welcome.txt', 'hello\n');
  }, 300_000);

  afterAll(async () => {
    printTimings('mesh end to end on systemd machines: timings', timings);
    await lab?.down();
  }, 120_000);

  it('status is healthy on every member, and every setup run again changes nothing', async () => {
    for (const h of HOSTS) await healthy(h);
    const server = JSON.parse((await mesh('server', ['server', 'setup', '--json'])).stdout);
    expect(server).toMatchObject({ changed: false, changes: [] });
    for (const c of CLIENTS) {
      const again = await mesh(c, ['client', 'setup', '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, changes: [] });
    }
  }, 180_000);

  it('kill -9 of tailscaled, Syncthing and the agent: systemd starts each again, in sync with no command', async () => {
    for (const unit of UNITS) {
      const before = (await on('wsl', 'systemctl', ['show', '-p', 'MainPID', '--value', unit]))
        .stdout;
      const t0 = Date.now();
      const kill = await on('wsl', 'systemctl', ['kill', '--kill-who=main', '-s', 'KILL', unit]);
      expect(kill.exitCode, kill.stderr).toBe(0);
      await until(`${unit} started again`, async () => {
        const pid = (await on('wsl', 'systemctl', ['show', '-p', 'MainPID', '--value', unit]))
          .stdout;
        const active = (await on('wsl', 'systemctl', ['is-active', unit])).stdout.trim();
        return active === 'active' && pid !== before && pid.trim() !== '0' ? true : undefined;
      });
      await writeFile(shared('server', `after-kill-${unit}.txt`), `${unit}\n`);
      await arrives('wsl', `after-kill-${unit}.txt`, `${unit}\n`);
      await writeFile(shared('wsl', `from-wsl-after-${unit}.txt`), `${unit}\n`);
      await arrives('server', `from-wsl-after-${unit}.txt`, `${unit}\n`);
      timings.push([`wsl: kill -9 ${unit} -> syncing both ways`, Date.now() - t0]);
    }
    await healthy('wsl');
  }, 300_000);

  it('paused devices fail status by name, and the agent resumes them', async () => {
    // The agent is held still while status looks, or it may resume them first.
    expect(
      (await on('windows', 'systemctl', ['kill', '--kill-who=main', '-s', 'STOP', 'mesh-agent']))
        .exitCode,
    ).toBe(0);
    let s: Awaited<ReturnType<typeof status>>;
    try {
      expect((await syncthingRest('windows', 'POST', '/rest/system/pause')).exitCode).toBe(0);
      s = await status('windows');
    } finally {
      await on('windows', 'systemctl', ['kill', '--kill-who=main', '-s', 'CONT', 'mesh-agent']);
    }
    expect(s.exitCode).toBe(3);
    expect(failing(s).find((c) => c.name === 'paused')?.message).toMatch(/paused.*server/);
    const t0 = Date.now();
    await healthy('windows', 60_000);
    timings.push(['windows: devices paused -> resumed by the agent', Date.now() - t0]);
  }, 120_000);

  it('Headscale stopped with systemctl: a client names the server; started again, healthy', async () => {
    expect((await on('server', 'systemctl', ['stop', 'headscale'])).exitCode).toBe(0);
    try {
      const s = await statusFailing('wsl');
      expect(failing(s).find((c) => c.name === 'reachable')?.message).toContain(SERVER_URL);
      const server = await statusFailing('server');
      expect(failing(server).find((c) => c.name === 'service')?.message).toBe(
        'Headscale is not running',
      );
      // Files still flow between clients while the control server is away.
      await writeFile(shared('wsl', 'while-headscale-stopped.txt'), 'still syncing\n');
      await arrives('windows', 'while-headscale-stopped.txt', 'still syncing\n');
    } finally {
      expect((await on('server', 'systemctl', ['start', 'headscale'])).exitCode).toBe(0);
    }
    for (const h of HOSTS) await healthy(h);
  }, 240_000);

  it('a machine whose link is cut: status fails naming it; healed, what was written meanwhile arrives', async () => {
    const t0 = Date.now();
    await lab.setLink('windows', false);
    try {
      const cut = await until(
        'windows status failing',
        async () => {
          const r = await status('windows');
          return r.exitCode === 3 && failing(r).some((c) => c.name === 'reach') ? r : undefined;
        },
        60_000,
      );
      expect(failing(cut).find((c) => c.name === 'reach')?.message).toContain(
        'reaches none of its',
      );
      timings.push(['windows: link cut -> status fails', Date.now() - t0]);
      await writeFile(shared('server', 'during-cut.txt'), 'from the server\n');
      await writeFile(shared('windows', 'during-cut-windows.txt'), 'from windows\n');
    } finally {
      await lab.setLink('windows', true);
    }
    const t1 = Date.now();
    await arrives('windows', 'during-cut.txt', 'from the server\n');
    await arrives('server', 'during-cut-windows.txt', 'from windows\n');
    timings.push(['windows: link healed -> files written meanwhile arrive', Date.now() - t1]);
    await healthy('windows');
  }, 480_000);

  it('mesh client leave: logged out, its units stopped and disabled, the folder kept; setup brings it back', async () => {
    const folder = path.join(lab.host('windows').root, 'opt/shared');
    const files = (await readdir(folder)).sort();
    const r = await mesh('windows', ['client', 'leave', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, loggedOut: true });
    for (const unit of UNITS) {
      expect((await on('windows', 'systemctl', ['is-active', unit])).stdout.trim(), unit).not.toBe(
        'active',
      );
      expect((await on('windows', 'systemctl', ['is-enabled', unit])).stdout.trim(), unit).not.toBe(
        'enabled',
      );
    }
    expect((await readdir(folder)).sort()).toEqual(files);
    const again = await mesh('windows', ['client', 'leave', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ loggedOut: false, stopped: [] });
    const back = await join('windows');
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    await writeFile(shared('server', 'after-rejoin.txt'), 'back\n');
    await arrives('windows', 'after-rejoin.txt', 'back\n');
    await healthy('windows');
  }, 240_000);
});
