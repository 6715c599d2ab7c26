import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLab, type Lab } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from './lab-helpers.js';
import { failing, type MachineMesh, machineMesh, SERVER_URL, UNITS } from './machine-mesh.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// The CLI end-to-end checks whose answer a real machine changes, on three Debian 12 machines
// booted with systemd (as systemd.lab.test.ts boots them: the single-file mesh, and everything
// else installed by mesh from the lab's package source): what `mesh status` says when a daemon
// dies, Headscale stops, a device is paused or the link is cut, with systemd restarting
// what mesh runs, and `mesh client leave`. The bare-host suite (lab.test.ts) covers the rest.
const SINGLE_FILE_MESH = path.resolve(import.meta.dirname, '../dist-bin/mesh');
const HOSTS = ['server', 'wsl', 'windows'] as const;
const CLIENTS = ['wsl', 'windows'] as const;

let lab: Lab;
let m: MachineMesh;
const timings: Timings = [];

/** A request to a machine's Syncthing REST API, made inside it with its own API key. */
async function syncthingRest(host: string, method: string, route: string): Promise<RunResult> {
  const v = (await m.mesh(host, ['status', '--verbose', '--json'])).json as {
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
  return m.on(host, 'curl', [
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
    m = machineMesh(lab, { packageSource: true });
    await m.setUp(CLIENTS);
  }, 300_000);

  afterAll(async () => {
    printTimings('mesh end to end on systemd machines: timings', timings);
    await lab?.down();
  }, 120_000);

  it('status is healthy on every member, and every setup run again changes nothing', async () => {
    for (const h of HOSTS) await m.healthy(h);
    const server = JSON.parse((await m.mesh('server', ['server', 'setup', '--json'])).stdout);
    expect(server).toMatchObject({ changed: false, changes: [] });
    for (const c of CLIENTS) {
      const again = await m.mesh(c, ['client', 'setup', '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, changes: [] });
    }
  }, 180_000);

  it('kill -9 of tailscaled, Syncthing and the agent: systemd starts each again, in sync with no command', async () => {
    for (const unit of UNITS) {
      const before = await m.mainPid('wsl', unit);
      const t0 = Date.now();
      await m.signal('wsl', unit, 'KILL');
      await m.restarted('wsl', unit, before);
      await writeFile(m.shared('server', `after-kill-${unit}.txt`), `${unit}\n`);
      await m.arrives('wsl', `after-kill-${unit}.txt`, `${unit}\n`);
      await writeFile(m.shared('wsl', `from-wsl-after-${unit}.txt`), `${unit}\n`);
      await m.arrives('server', `from-wsl-after-${unit}.txt`, `${unit}\n`);
      timings.push([`wsl: kill -9 ${unit} -> syncing both ways`, Date.now() - t0]);
    }
    await m.healthy('wsl');
  }, 300_000);

  it('paused devices fail status by name, and the agent resumes them', async () => {
    // The agent is held still while status looks, or it may resume them first.
    await m.signal('windows', 'mesh-agent', 'STOP');
    let s: Awaited<ReturnType<MachineMesh['status']>>;
    try {
      expect((await syncthingRest('windows', 'POST', '/rest/system/pause')).exitCode).toBe(0);
      s = await m.status('windows');
    } finally {
      await m.signal('windows', 'mesh-agent', 'CONT');
    }
    expect(s.exitCode).toBe(3);
    expect(failing(s).find((c) => c.name === 'paused')?.message).toMatch(/paused.*server/);
    const t0 = Date.now();
    await m.healthy('windows', 60_000);
    timings.push(['windows: devices paused -> resumed by the agent', Date.now() - t0]);
  }, 120_000);

  it('Headscale stopped with systemctl: a client names the server; started again, healthy', async () => {
    expect((await m.on('server', 'systemctl', ['stop', 'headscale'])).exitCode).toBe(0);
    try {
      const s = await m.statusFailing('wsl');
      expect(failing(s).find((c) => c.name === 'reachable')?.message).toContain(SERVER_URL);
      const server = await m.statusFailing('server');
      expect(failing(server).find((c) => c.name === 'service')?.message).toBe(
        'Headscale is not running',
      );
      // Files still flow between clients while the control server is away.
      await writeFile(m.shared('wsl', 'while-headscale-stopped.txt'), 'still syncing\n');
      await m.arrives('windows', 'while-headscale-stopped.txt', 'still syncing\n');
    } finally {
      expect((await m.on('server', 'systemctl', ['start', 'headscale'])).exitCode).toBe(0);
    }
    for (const h of HOSTS) await m.healthy(h);
  }, 240_000);

  it('a machine whose link is cut: status fails naming it; healed, what was written meanwhile arrives', async () => {
    const t0 = Date.now();
    await lab.setLink('windows', false);
    try {
      const cut = await until(
        'windows status failing',
        async () => {
          const r = await m.status('windows');
          return r.exitCode === 3 && failing(r).some((c) => c.name === 'reach') ? r : undefined;
        },
        60_000,
      );
      expect(failing(cut).find((c) => c.name === 'reach')?.message).toContain(
        'reaches none of its',
      );
      timings.push(['windows: link cut -> status fails', Date.now() - t0]);
      await writeFile(m.shared('server', 'during-cut.txt'), 'from the server\n');
      await writeFile(m.shared('windows', 'during-cut-windows.txt'), 'from windows\n');
    } finally {
      await lab.setLink('windows', true);
    }
    const t1 = Date.now();
    await m.arrives('windows', 'during-cut.txt', 'from the server\n');
    await m.arrives('server', 'during-cut-windows.txt', 'from windows\n');
    timings.push(['windows: link healed -> files written meanwhile arrive', Date.now() - t1]);
    await m.healthy('windows');
  }, 480_000);

  it('mesh client leave: logged out, its units stopped and disabled, the folder kept; setup brings it back', async () => {
    const folder = path.join(lab.host('windows').root, 'opt/shared');
    const files = (await readdir(folder)).sort();
    const r = await m.mesh('windows', ['client', 'leave', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, loggedOut: true });
    for (const unit of UNITS) {
      expect(
        (await m.on('windows', 'systemctl', ['is-active', unit])).stdout.trim(),
        unit,
      ).not.toBe('active');
      expect(
        (await m.on('windows', 'systemctl', ['is-enabled', unit])).stdout.trim(),
        unit,
      ).not.toBe('enabled');
    }
    expect((await readdir(folder)).sort()).toEqual(files);
    const again = await m.mesh('windows', ['client', 'leave', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ loggedOut: false, stopped: [] });
    const back = await m.join('windows');
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    await writeFile(m.shared('server', 'after-rejoin.txt'), 'back\n');
    await m.arrives('windows', 'after-rejoin.txt', 'back\n');
    await m.healthy('windows');
  }, 240_000);
});
