import { access, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLab, Lab } from '@mesh/lab';
import { trackFailures } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mesh } from './lab-helpers.js';

// `mesh client setup` on a lab host whose MESH_ROOT looks like a WSL2 distro (the recorded
// kernel string and os-release of @mesh/platform's fixtures, no interop, systemd not PID 1):
// the built CLI must edit /etc/wsl.conf and /etc/ssh/sshd_config under that root, check the
// sshd file with the real `sshd -t`, hand the Windows side over without elevating, and change
// nothing on a second run.
const FIXTURES = path.resolve(import.meta.dirname, '../../../packages/platform/src/__fixtures__');
const ENV = { WSL_DISTRO_NAME: 'Ubuntu' };

let lab: Lab;
const failures = trackFailures();
let keyFile = '';
let root = '';

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = await readFile(path.join(dir, name), 'utf8').catch(() => '<dir>');
  }
  return out;
}

describeLab('mesh client setup on a WSL2 root', () => {
  beforeAll(async () => {
    lab = await Lab.up({
      hosts: ['server', 'wsl'],
      headscale: true,
      tailscale: false,
      syncthing: false,
    });
    const user = await lab.headscale.createUser('mesh');
    const key = await lab.headscale.createPreAuthKey({ user: user.id, reusable: true });
    root = lab.host('wsl').root;
    keyFile = path.join(root, 'run', 'key.txt');
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, `${key}\n`, { mode: 0o600 });

    // The WSL2 markers, laid out under the host's root exactly as on the machine.
    const wsl2 = path.join(FIXTURES, 'hosts/wsl2');
    await mkdir(path.join(root, 'proc/1'), { recursive: true });
    await mkdir(path.join(root, 'etc/ssh'), { recursive: true });
    await copyFile(path.join(wsl2, 'proc/version'), path.join(root, 'proc/version'));
    await copyFile(path.join(wsl2, 'etc/os-release'), path.join(root, 'etc/os-release'));
    await writeFile(path.join(root, 'proc/1/comm'), 'init\n');
    await copyFile(path.join(FIXTURES, 'files/wsl.conf.default'), path.join(root, 'etc/wsl.conf'));
    await copyFile(
      path.join(FIXTURES, 'files/sshd_config.ubuntu-22.04'),
      path.join(root, 'etc/ssh/sshd_config'),
    );
  }, 120_000);

  afterAll(async () => {
    await lab?.down({ keepLogs: lab?.failed || failures.any });
  }, 60_000);

  it('edits wsl.conf and sshd_config under MESH_ROOT once; a second run changes nothing', async () => {
    const wslConf = path.join(root, 'etc/wsl.conf');
    const sshdConfig = path.join(root, 'etc/ssh/sshd_config');
    const beforeConf = await readFile(wslConf, 'utf8');
    const beforeSshd = await readFile(sshdConfig, 'utf8');
    const args = ['client', 'setup', '--server', lab.headscale.url, '--key-file', keyFile];

    const first = await mesh(lab, 'wsl', [...args, '--no-peer', '--json'], { env: ENV });
    expect(first.stderr + first.stdout, 'first client setup').toContain('"ok": true');
    expect(first.exitCode).toBe(0);
    const doc = first.json as {
      changed: boolean;
      changes: string[];
      manual: string[];
      machine: Array<{ id: string; status: string }>;
    };
    expect(doc.machine.map((m) => [m.id, m.status])).toEqual([
      ['install', 'ok'],
      ['wsl-systemd', 'changed'],
      ['wsl-sshd', 'changed'],
      ['windows-script', 'manual'],
    ]);
    expect(doc.changes).toEqual(
      expect.arrayContaining([
        'enabled systemd in /etc/wsl.conf',
        'set Port 2222 in /etc/ssh/sshd_config',
      ]),
    );
    expect(doc.manual.join('\n')).toContain('wsl --shutdown');
    expect(doc.manual.join('\n')).toContain('mesh windows script');
    expect(first.stdout).not.toContain((await readFile(keyFile, 'utf8')).trim());

    expect(await readFile(wslConf, 'utf8')).toBe(
      beforeConf.replace('service ssh start\n', 'service ssh start\nsystemd=true\n'),
    );
    expect(await readFile(`${wslConf}.mesh-bak`, 'utf8')).toBe(beforeConf);
    expect(await readFile(sshdConfig, 'utf8')).toBe(
      beforeSshd.replace('#Port 22\n', '#Port 22\nPort 2222\n'),
    );
    expect(await readFile(`${sshdConfig}.mesh-bak`, 'utf8')).toBe(beforeSshd);
    // The machine's own files were not the ones edited.
    await access('/etc/wsl.conf').then(
      async () =>
        expect(await readFile('/etc/wsl.conf', 'utf8')).not.toBe(await readFile(wslConf, 'utf8')),
      () => undefined,
    );

    const etc = await tree(path.join(root, 'etc'));
    const ssh = await tree(path.join(root, 'etc/ssh'));
    const second = await mesh(lab, 'wsl', [...args, '--no-peer', '--json'], { env: ENV });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ ok: true, changed: false, changes: [] });
    expect(await tree(path.join(root, 'etc'))).toEqual(etc);
    expect(await tree(path.join(root, 'etc/ssh'))).toEqual(ssh);

    const human = await mesh(lab, 'wsl', [...args, '--no-peer'], { env: ENV });
    expect(human.exitCode).toBe(0);
    // No sshd runs in this bare host: the file says 2222 and the check says nothing listens,
    // with the restart left to the person (systemd is not PID 1 here).
    expect(human.stdout).toContain(
      'WARN: /etc/ssh/sshd_config says port 2222, but nothing listens there',
    );
    expect(human.stdout).toMatch(/WARN: To do by hand: restart sshd for port 2222/);
    expect(human.stdout).toContain('nothing to change');
    expect(human.stdout).toMatch(/WARN: To do by hand: .*wsl --shutdown/);
  }, 300_000);

  it('mesh windows script prints the reviewable script for the saved server, with no key', async () => {
    const r = await mesh(lab, 'wsl', ['windows', 'script'], { env: ENV });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`'${lab.headscale.url}'`);
    expect(r.stdout).toContain("'Start WSL2'");
    expect(r.stdout).toContain('wsl.exe -d Ubuntu -- true');
    expect(r.stdout).not.toContain((await readFile(keyFile, 'utf8')).trim());
    const out = path.join(root, 'run', 'setup-mesh.ps1');
    const w = await mesh(lab, 'wsl', ['windows', 'script', '--out', out], { env: ENV });
    expect(w.exitCode, w.stderr).toBe(0);
    // The runner strips stdout's final line ending; otherwise file and stdout are the same script.
    const file = await readFile(out, 'utf8');
    expect(file.endsWith('\r\n')).toBe(true);
    expect(file.slice(0, -2)).toBe(r.stdout);
  }, 60_000);
});
