import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { provisioningScript } from '@mesh/core';
import { describeLab, type Lab } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arrives as arrivesOn, until } from './lab-helpers.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// Managing machines from the server, on three booted Debian machines with real sshd: a host
// registry, ~/.ssh/config, and `mesh remote provision-all` taking two bare machines into the
// mesh with nothing typed on them. The windows machine gets no mesh and no Node: provisioning
// copies the single-file binary there.
const HOSTS = ['server', 'wsl', 'windows'] as const;
const SEA = path.resolve(import.meta.dirname, '../dist-bin/mesh');

let lab: Lab;
const timings: Timings = [];

async function on(
  host: string,
  file: string,
  args: readonly string[],
  input?: string,
): Promise<RunResult> {
  return lab.host(host).runner.run(file, args, {
    timeout: 600_000,
    env: { NO_COLOR: '1', MESH_DEFAULT_USER: 'root' },
    ...(input === undefined ? {} : { input }),
  });
}

const mesh = (args: readonly string[]) => on('server', 'mesh', args);
const json = <T>(r: RunResult) => JSON.parse(r.stdout) as T;
const firstLine = (r: RunResult) => r.stderr.split('\n').find((l) => l.startsWith('ERROR:'));

function shared(host: string, file: string): string {
  return path.join(lab.host(host).root, 'opt/shared', file);
}

/** Waits for `file` with `text` in the shared folder of `host`. */
const arrives = (host: string, file: string, text: string) => arrivesOn(lab.host(host), file, text);

describeLab('mesh host and mesh remote: machines managed from the server over SSH', () => {
  beforeAll(async () => {
    lab = await bootMachines(HOSTS, timings);
    expect((await mesh(['server', 'setup'])).exitCode).toBe(0);
    // What a person does once: the server's key in root's authorized_keys on each machine
    // (as an image or installer puts it there).
    await on('server', 'ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      '/root/.ssh/id_ed25519',
    ]);
    const pub = await readFile(path.join(lab.host('server').root, 'root/.ssh/id_ed25519.pub'));
    for (const h of ['wsl', 'windows']) {
      const dir = path.join(lab.host(h).root, 'root/.ssh');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(path.join(dir, 'authorized_keys'), pub, { mode: 0o600 });
    }
    // The windows machine has neither mesh nor Node: what it runs comes from the server.
    await on('windows', 'rm', ['-f', '/usr/local/bin/mesh']);
    await on('windows', 'umount', ['/usr/local/bin/node']);
    await copyFile(SEA, path.join(lab.host('server').root, 'root/mesh-single'));
  }, 300_000);

  afterAll(async () => {
    printTimings('mesh remote: timings', timings);
    await lab?.down();
  }, 120_000);

  it('bad input: unknown host, broken registry, SSH refused, a changed host key, sudo wanting a password', async () => {
    const unknown = await mesh(['remote', 'provision', 'nosuch']);
    expect(unknown.exitCode).toBe(4);
    expect(firstLine(unknown)).toMatch(
      /^ERROR: No host called nosuch in \/root\/.config\/mesh\/hosts.yaml$/,
    );

    const registry = path.join(lab.host('server').root, 'root/.config/mesh/hosts.yaml');
    await writeFile(registry, 'hosts:\n  wsl: {ip: 10.99.0.2, port: twenty}\n');
    const broken = await mesh(['host', 'list']);
    expect(broken.exitCode).toBe(4);
    expect(firstLine(broken)).toBe(
      'ERROR: /root/.config/mesh/hosts.yaml:2: host wsl: port must be a port number from 1 to 65535',
    );
    await writeFile(registry, '');

    const wslIp = lab.host('wsl').ip;
    const winIp = lab.host('windows').ip;
    expect((await mesh(['host', 'add', 'ghost', '--ip', wslIp, '--port', '2299'])).exitCode).toBe(
      0,
    );
    const refused = await mesh(['remote', 'provision', 'ghost']);
    expect((await mesh(['host', 'remove', 'ghost'])).exitCode).toBe(0);
    expect(refused.exitCode).toBe(8);
    expect(firstLine(refused)).toBe(
      `ERROR: SSH to root@${wslIp} port 2299 (ghost): connection refused`,
    );

    // Each machine has host keys of its own: the wsl machine's key, remembered for the windows
    // machine's address, is what a machine answering in another's place would show.
    const hostKey = (h: string) =>
      readFile(path.join(lab.host(h).root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
    const otherKey = await hostKey('wsl');
    expect(otherKey).not.toBe(await hostKey('windows'));
    const known = path.join(lab.host('server').root, 'root/.ssh/known_hosts');
    await writeFile(known, `${winIp} ${otherKey.split(' ').slice(0, 2).join(' ')}\n`);
    expect((await mesh(['host', 'add', 'windows', '--ip', winIp])).exitCode).toBe(0);
    const changed = await mesh(['remote', 'provision', 'windows']);
    expect(changed.exitCode, changed.stderr).toBe(8);
    expect(firstLine(changed)).toBe(
      `ERROR: SSH to root@${winIp} port 22 (windows): the host key is not the one known for it`,
    );
    await writeFile(known, '');

    // Once: a retry of this test finds the user there.
    await on('windows', 'sh', ['-c', 'id ops >/dev/null 2>&1 || useradd -m ops']);
    await on('windows', 'install', ['-d', '-m', '700', '-o', 'ops', '-g', 'ops', '/home/ops/.ssh']);
    await copyFile(
      path.join(lab.host('windows').root, 'root/.ssh/authorized_keys'),
      path.join(lab.host('windows').root, 'home/ops/.ssh/authorized_keys'),
    );
    await on('windows', 'chown', ['ops:ops', '/home/ops/.ssh/authorized_keys']);
    expect((await mesh(['host', 'add', 'ops', '--ip', winIp, '--user', 'ops'])).exitCode).toBe(0);
    // The machine's sshd now and then closes a brand-new user's first session while systemd
    // starts that user's manager ("Connection closed by ..."): that is the lab, so ask again.
    const sudo = await until(
      'provision ops answering',
      async () => {
        const r = await mesh(['remote', 'provision', 'ops']);
        return /Connection closed by/.test(r.stderr) ? undefined : r;
      },
      60_000,
    ).finally(() => mesh(['host', 'remove', 'ops']));
    expect(sudo.exitCode, sudo.stderr).toBe(4);
    expect(sudo.stderr).toContain('ERROR: sudo on ops asks ops for a password');
    expect(sudo.stderr).toContain('Hint: run mesh remote prepare ops once');
    // Nothing of mesh reached the windows machine.
    expect((await on('windows', 'sh', ['-c', 'command -v mesh || echo none'])).stdout.trim()).toBe(
      'none',
    );
  }, 300_000);

  it('provision-all takes two bare machines into a syncing mesh; no process ever shows the key', async () => {
    expect(
      (await mesh(['host', 'add', 'wsl', '--ip', lab.host('wsl').ip, '--port', '22'])).exitCode,
    ).toBe(0);
    // Every process on every machine, ten times a second, while provisioning runs.
    const seen = new Set<string>();
    let scanning = true;
    const scans = HOSTS.map(async (h) => {
      while (scanning) {
        const ps = await on(h, 'ps', ['-eo', 'args']).catch(() => undefined);
        for (const line of ps?.stdout.split('\n') ?? []) seen.add(`${h}: ${line}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    const t0 = performance.now();
    const all = await mesh(['remote', 'provision-all', '--binary', '/root/mesh-single', '--json']);
    timings.push(['remote provision-all (two machines)', Math.round(performance.now() - t0)]);
    scanning = false;
    await Promise.all(scans);
    expect(all.exitCode, all.stdout + all.stderr).toBe(0);
    const doc = json<{ results: Array<{ name: string; outcome: string; changes: string[] }> }>(all);
    expect(doc.results.map((r) => [r.name, r.outcome])).toEqual([
      ['windows', 'provisioned'],
      ['wsl', 'provisioned'],
    ]);
    expect(doc.results[0]?.changes).toContain('put mesh at /usr/local/bin/mesh');
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((l) => /hskey-|--auth-?key=(?!file:)/.test(l))).toEqual([]);

    // The single-file mesh runs on a machine without Node, its agent too.
    expect((await on('windows', 'sh', ['-c', 'command -v node || echo none'])).stdout.trim()).toBe(
      'none',
    );
    expect((await on('windows', 'systemctl', ['is-active', 'mesh-agent'])).stdout.trim()).toBe(
      'active',
    );
    await writeFile(shared('server', 'to-all.txt'), 'from the server\n');
    await arrives('wsl', 'to-all.txt', 'from the server\n');
    await arrives('windows', 'to-all.txt', 'from the server\n');
    await writeFile(shared('windows', 'from-windows.txt'), 'from windows\n');
    await arrives('wsl', 'from-windows.txt', 'from windows\n');

    const again = await mesh(['remote', 'provision-all', '--json']);
    expect(again.exitCode).toBe(0);
    expect(json<{ changed: boolean; results: Array<{ outcome: string }> }>(again)).toMatchObject({
      changed: false,
      results: [{ outcome: 'already' }, { outcome: 'already' }],
    });
  }, 600_000);

  it('ssh NAME goes over the tailnet through the managed block; host list and remote status see the mesh', async () => {
    const config = await readFile(path.join(lab.host('server').root, 'root/.ssh/config'), 'utf8');
    expect(config).toMatch(
      /# mesh-managed: wsl\nHost wsl\n {2}HostName 100\.64\.\d+\.\d+\n {2}Port 2222\n {2}User root\n# end mesh-managed: wsl\n/,
    );
    expect((await stat(path.join(lab.host('server').root, 'root/.ssh/config'))).mode & 0o777).toBe(
      0o600,
    );
    const login = await on('server', 'ssh', ['-o', 'BatchMode=yes', 'wsl', 'hostname']);
    expect(login.stdout.trim(), login.stderr).toBe('wsl');
    const list = json<{ hosts: Array<{ name: string; inMesh: boolean; port: number }> }>(
      await mesh(['host', 'list', '--json']),
    );
    expect(list.hosts.map((h) => [h.name, h.inMesh, h.port])).toEqual([
      ['windows', true, 22],
      ['wsl', true, 2222],
    ]);
    // What `mesh remote prepare` has root run there (after the password nobody types here),
    // then a login that is not root provisions through sudo: the drop-in is enough.
    const prepared = await on('windows', 'sh', ['-c', provisioningScript('ops')]);
    expect(prepared.stdout.trim(), prepared.stderr).toBe(
      '/etc/sudoers.d/mesh-provisioning written and checked',
    );
    expect(
      (await mesh(['host', 'add', 'ops', '--ip', lab.host('windows').ip, '--user', 'ops']))
        .exitCode,
    ).toBe(0);
    const viaSudo = await mesh(['remote', 'provision', 'ops', '--force', '--json']);
    expect(viaSudo.exitCode, viaSudo.stdout + viaSudo.stderr).toBe(0);
    expect(json<{ outcome: string }>(viaSudo).outcome).toBe('provisioned');
    expect((await mesh(['host', 'remove', 'ops'])).exitCode).toBe(0);
    const st = await mesh(['remote', 'status', 'windows', '--json']);
    expect(st.exitCode, st.stdout).toBe(0);
    expect(json<{ status: { healthy: boolean } }>(st).status.healthy).toBe(true);
  }, 180_000);
});
