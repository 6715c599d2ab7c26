import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, Lab, labRunDir } from '../src/index.js';

/** Every process's argv right now, as NUL-joined strings. */
async function allCmdlines(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  const lines = await Promise.all(
    pids.map((p) => readFile(`/proc/${p}/cmdline`, 'latin1').catch(() => '')),
  );
  return lines.filter(Boolean);
}

function netnsList(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeLab('lab: three hosts, headscale, tailscale, syncthing', () => {
  let lab: Lab;
  const argvSeen = { joins: 0, leaked: [] as string[] };

  beforeAll(async () => {
    // Watch every process's argv while the nodes join: the key must only ever be in a file.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const cmd of await allCmdlines()) {
          if (cmd.includes('hskey-')) argvSeen.leaked.push(cmd.replace(/\0/g, ' '));
          if (cmd.includes('--auth-key=file:')) argvSeen.joins++;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      lab = await Lab.up({ syncthing: true, log: (l) => console.log(l) });
    } finally {
      watching = false;
      await watcher;
    }
  }, 180_000);

  afterAll(async () => {
    await lab?.down();
  });

  it('puts hosts in their own namespaces with no route out of the lab', async () => {
    expect(lab.hosts.map((h) => h.name)).toEqual(['server', 'wsl', 'windows']);
    for (const h of lab.hosts) {
      expect(h.ns).toBe(`mesh-${lab.id}-${h.name}`);
      const routes = await h.runner.run('ip', ['-4', 'route', 'show', 'table', 'main']);
      expect(routes.stdout).not.toMatch(/^default/m);
      const links = await h.runner.run('ip', ['-o', 'link']);
      expect(links.stdout).toMatch(/\blo\b.*UP/);
      // Only loopback, the veth to the bridge namespace and tailscale's TUN.
      for (const line of links.stdout.split('\n')) {
        expect(line).toMatch(/: (lo|mesh-[0-9a-f]{6}-e\d+@\S+|tailscale0):/);
      }
    }
    // No lab link in the root namespace.
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain(lab.id);
  });

  it('joins every tailscaled to the lab headscale with the key never in argv', async () => {
    expect(argvSeen.joins).toBeGreaterThan(0);
    expect(argvSeen.leaked).toEqual([]);
    for (const h of lab.hosts) {
      const r = await lab.tailscaled(h.name).cli(['status', '--json']);
      const status = JSON.parse(r.stdout) as { BackendState: string; TailscaleIPs: string[] };
      expect(status.BackendState).toBe('Running');
      expect(status.TailscaleIPs[0]).toMatch(/^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./);
    }
    const nodes = await lab.headscale.cli(['nodes', 'list', '-o', 'json']);
    expect((JSON.parse(nodes.stdout) as unknown[]).length).toBe(3);
  });

  it('pings between two clients over a direct path, not DERP', async () => {
    const target = lab.tailscaled('windows').tailnetIp as string;
    const r = await lab.tailscaled('wsl').cli(['ping', '-c', '20', target], { timeout: 60_000 });
    console.log(r.stdout);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/pong from windows \(100\.[\d.]+\) via 10\.99\.0\.3:\d+ in /);
    expect(r.stdout.split('\n').at(-1)).not.toContain('via DERP');
  });

  it('reaches every other host’s syncthing sync port over its tailnet address', async () => {
    for (const from of lab.hosts) {
      for (const to of lab.hosts) {
        if (from === to) continue;
        const ip = lab.tailscaled(to.name).tailnetIp as string;
        const port = lab.syncthing(to.name).syncPort;
        const r = await from.runner.run('bash', ['-c', `exec 3<>/dev/tcp/${ip}/${port}`], {
          timeout: 10_000,
        });
        expect(r.exitCode, `${from.name} -> ${to.name} ${ip}:${port}: ${r.stderr}`).toBe(0);
      }
    }
  });

  it('serves each syncthing REST API through its forwarded socket', async () => {
    const { socketGet } = await import('../src/http.js');
    for (const h of lab.hosts) {
      const st = lab.syncthing(h.name);
      const r = await socketGet(st.guiSocket, '/rest/system/config', {
        headers: { 'X-API-Key': st.apiKey },
      });
      expect(r.status).toBe(200);
      const cfg = JSON.parse(r.body) as { options: Record<string, unknown> };
      expect(cfg.options['listenAddresses']).toEqual([`tcp://0.0.0.0:${st.syncPort}`]);
      expect(cfg.options['globalAnnounceEnabled']).toBe(false);
      expect(cfg.options['urAccepted']).toBe(-1);
    }
  });
});

describeLab('lab: teardown', () => {
  it('down leaves no namespace, link, process, temp root or marker', async () => {
    // Also covers joining with the caller's own key (what other packages' tests do).
    const lab = await Lab.up({ hosts: ['server', 'wsl'], tailscale: false });
    await lab.startTailscaled('wsl');
    const user = await lab.headscale.createUser('own');
    const key = await lab.headscale.createPreAuthKey({ user: user.id, ephemeral: true });
    expect(key).toMatch(/^hskey-auth-/);
    await lab.joinTailnet('wsl', key);
    expect(lab.tailscaled('wsl').tailnetIp).toMatch(/^100\./);
    const pids = lab.state().pids.map((p) => p.pid);
    expect(pids.length).toBeGreaterThan(0);
    expect(netnsList()).toContain(`mesh-${lab.id}-`);
    await lab.down();
    expect(netnsList()).not.toContain(lab.id);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain(lab.id);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(existsSync(lab.root)).toBe(false);
    expect(existsSync(join(labRunDir(), lab.id))).toBe(false);
  });

  it('reports a supervised process that dies and keeps the logs', async () => {
    const lab = await Lab.up({ hosts: ['a'], headscale: false, tailscale: false });
    try {
      const p = lab.host('a').spawn('sleeper', 'sleep', ['60']);
      process.kill(p.pid, 'SIGKILL');
      await p.exited;
      await new Promise((r) => setTimeout(r, 10));
      expect(lab.unexpectedExits).toMatchObject([{ host: 'a', name: 'sleeper' }]);
      expect(lab.failed).toBe(true);
    } finally {
      await lab.down();
    }
    expect(existsSync(join(lab.root, 'hosts/a/logs/sleeper.log'))).toBe(true);
    expect(existsSync(join(lab.root, 'hosts/a/var'))).toBe(false);
    execFileSync('rm', ['-rf', lab.root]);
    expect(netnsList()).not.toContain(lab.id);
  });

  it('cleanupStale removes a lab whose owner died', async () => {
    const lab = await Lab.up({ hosts: ['a', 'b'], headscale: false, tailscale: false });
    const sleeper = lab.host('b').spawn('sleeper', 'sleep', ['60']);
    // Pretend the owner was killed: point the marker at a pid that no longer exists.
    const statePath = join(labRunDir(), lab.id, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { pid: number };
    state.pid = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }));
    await writeFile(statePath, JSON.stringify(state));
    const cleaned = await Lab.cleanupStale();
    expect(cleaned).toContain(lab.id);
    await sleeper.exited;
    expect(netnsList()).not.toContain(lab.id);
    expect(existsSync(lab.root)).toBe(false);
    await lab.down();
  });
});
