import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, Lab } from '../src/index.js';
import { mountsUnder } from '../src/state.js';

describeLab('lab: systemd hosts (Debian 12 booted in the lab namespaces)', () => {
  let lab: Lab;
  const timings: Array<[string, number]> = [];

  beforeAll(async () => {
    const t0 = performance.now();
    lab = await Lab.up({
      hosts: ['server', 'wsl'],
      machines: 'systemd',
      headscale: false,
      tailscale: false,
      syncthing: false,
    });
    timings.push(['two machines booted', Math.round(performance.now() - t0)]);
  }, 180_000);

  afterAll(async () => {
    for (const [what, ms] of timings) console.log(`[lab machines] ${what}: ${ms} ms`);
    await lab?.down();
  }, 60_000);

  it('each host is a booted systemd machine with its name, its lab address and TUN', async () => {
    for (const h of lab.hosts) {
      const state = await h.runner.run('systemctl', ['is-system-running']);
      expect(['running', 'degraded'], `${h.name}: ${state.stdout}`).toContain(state.stdout.trim());
      expect((await h.runner.run('hostname', [])).stdout.trim()).toBe(h.name);
      expect((await h.runner.run('ip', ['-4', 'addr'])).stdout).toContain(h.ip);
      // As a service of the machine's systemd (what tailscaled is), not only from outside.
      const tun = await h.runner.run('systemd-run', [
        '--wait',
        '--quiet',
        'ip',
        'tuntap',
        'add',
        'dev',
        'mesh-t0',
        'mode',
        'tun',
      ]);
      expect(tun.exitCode, tun.stderr).toBe(0);
      await h.runner.run('ip', ['link', 'del', 'mesh-t0']);
      expect((await h.runner.run('journalctl', ['-b', '--no-pager', '-n', '5'])).exitCode).toBe(0);
    }
  });

  it('reaches the other machine over the lab network only', async () => {
    const server = lab.host('server');
    const wsl = lab.host('wsl');
    await server.runner.run('systemd-run', [
      '--unit=echo-test',
      'node',
      '-e',
      "require('node:http').createServer((q,r)=>r.end('hi from server')).listen(8099)",
    ]);
    let body = '';
    for (let i = 0; i < 50 && body !== 'hi from server'; i++) {
      body = (await wsl.runner.run('curl', ['-s', `http://${server.ip}:8099/`])).stdout;
      if (body !== 'hi from server') await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('hi from server');
    const out = await wsl.runner.run('curl', ['-s', '-m', '2', 'http://192.0.2.1/']);
    expect(out.exitCode, 'an outside address answered').not.toBe(0);
  });

  it('runs commands as another user', async () => {
    const r = await lab.host('wsl').runner.run('id', ['-un'], { user: 'nobody' } as never);
    expect(r.stdout.trim()).toBe('nobody');
  });

  it('a reboot keeps the machine state and comes back by itself', async () => {
    const wsl = lab.host('wsl');
    await writeFile(join(wsl.root, 'root/marker'), 'before reboot\n');
    const before = wsl.machine?.pid;
    const ms = await lab.reboot('wsl');
    timings.push(['wsl reboot', ms]);
    expect(wsl.machine?.pid).not.toBe(before);
    expect(await readFile(join(wsl.root, 'root/marker'), 'utf8')).toBe('before reboot\n');
    const state = await wsl.runner.run('systemctl', ['is-system-running']);
    expect(['running', 'degraded']).toContain(state.stdout.trim());
  }, 120_000);

  it('down leaves no machine, mount, namespace or process behind', async () => {
    const root = lab.root;
    const keepers = lab.hosts.map((h) => h.machine?.keeperPid ?? 0);
    const namespaces = lab.hosts.map((h) => h.ns);
    await lab.down();
    expect(await mountsUnder(root)).toEqual([]);
    expect(existsSync(root)).toBe(false);
    for (const pid of keepers) expect(existsSync(`/proc/${pid}`)).toBe(false);
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const ns of namespaces) expect(list).not.toContain(ns);
  }, 60_000);
});
