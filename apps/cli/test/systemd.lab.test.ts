import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLab, type Lab, type LabHost } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arrives as arrivesOn, until } from './lab-helpers.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// The mesh on real machines: three Debian 12 hosts booted with systemd in the lab, the
// single-file `mesh` on their PATH and nothing else of Mesh's (no Node, no Headscale, Tailscale
// or Syncthing: setup installs them from the lab's package source, as from the projects' own
// release servers), no MESH_ROOT. Everything runs where a user's server and WSL2 run it:
// systemd units, /etc, /var/lib, /opt/shared, journald, a reboot.
const SERVER_URL = 'http://10.99.0.1:8080';
const SINGLE_FILE_MESH = path.resolve(import.meta.dirname, '../dist-bin/mesh');
const HOSTS = ['server', 'wsl', 'windows'] as const;
const CLIENTS = ['wsl', 'windows'] as const;

let lab: Lab;
const timings: Timings = [];

/** The mirror a user names in `.env`; here, the lab's package source. */
function mirrors(): Record<string, string> {
  const source = lab.packageSource;
  return {
    MESH_HEADSCALE_RELEASES_URL: source.headscaleUrl,
    MESH_TAILSCALE_PACKAGES_URL: source.tailscaleUrl,
    MESH_SYNCTHING_RELEASES_URL: source.syncthingUrl,
  };
}

async function on(host: string, file: string, args: readonly string[]): Promise<RunResult> {
  const env = { NO_COLOR: '1', ...mirrors() };
  return lab.host(host).runner.run(file, args, { timeout: 180_000, env });
}

/** `mesh ARGS` on a host, timed. */
async function mesh(host: string, args: readonly string[]): Promise<RunResult> {
  const t0 = performance.now();
  const r = await on(host, 'mesh', args);
  timings.push([
    `${host}: mesh ${args.filter((a) => !a.startsWith('/')).join(' ')}`,
    Math.round(performance.now() - t0),
  ]);
  return r;
}

function shared(host: LabHost, file: string): string {
  return path.join(host.root, 'opt/shared', file);
}

/** Waits for `file` with `text` in the shared folder of `host`. */
const arrives = (host: string, file: string, text: string) => arrivesOn(lab.host(host), file, text);

describeLab('mesh on systemd hosts (booted Debian 12 machines)', () => {
  beforeAll(async () => {
    lab = await bootMachines(HOSTS, timings, {
      machinePrograms: [],
      packageSource: true,
      meshBinary: SINGLE_FILE_MESH,
    });
  }, 180_000);

  afterAll(async () => {
    printTimings('mesh on systemd hosts: timings', timings);
    await lab?.down();
  }, 120_000);

  it('mesh server setup runs Headscale as a systemd unit under its own user', async () => {
    const r = await mesh('server', ['server', 'setup', '--advertise']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect((await on('server', 'id', ['-un', 'headscale'])).stdout.trim()).toBe('headscale');
    const owner = await on('server', 'ps', ['-o', 'user=', '-C', 'headscale']);
    expect(owner.stdout.trim()).toBe('headscale');
    for (const unit of ['headscale', 'mesh-tailscaled', 'mesh-syncthing', 'mesh-agent']) {
      const active = await on('server', 'systemctl', ['is-active', unit]);
      expect(active.stdout.trim(), unit).toBe('active');
      expect((await on('server', 'systemctl', ['is-enabled', unit])).stdout.trim(), unit).toBe(
        'enabled',
      );
    }
    const again = await mesh('server', ['server', 'setup', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, changes: [] });
  }, 180_000);

  it('clients join with a key file, and files flow with no mesh peer anywhere', async () => {
    const keygen = await mesh('server', ['server', 'keygen', '--json', '--save', '/root/join.key']);
    expect(keygen.exitCode, keygen.stderr).toBe(0);
    await writeFile(shared(lab.host('server'), 'welcome.txt'), 'hello from the server\n');
    for (const c of CLIENTS) {
      // The key reaches the client as a 0600 file, as a person would copy it.
      const dest = path.join(lab.host(c).root, 'root/join.key');
      await copyFile(path.join(lab.host('server').root, 'root/join.key'), dest);
      await chmod(dest, 0o600);
      const t0 = Date.now();
      // The windows machine is given no URL: it finds the server on the LAN (mDNS).
      const server = c === 'windows' ? ['--discover'] : ['--server', SERVER_URL];
      const r = await mesh(c, ['client', 'setup', ...server, '--key-file', '/root/join.key']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      if (c === 'windows') expect(r.stdout).toContain(`OK: Found mesh on server: ${SERVER_URL}`);
      // Seen by a user (issue 15): Debian named as Debian, not "ubuntu"; each change printed
      // once, as it is made; no "done (0.0s)" for a wait that ended at once; no bare "0".
      expect(r.stdout).toMatch(
        /^INFO: OS: Debian GNU\/Linux 12 \(bookworm\)( \(WSL 2\))?, role: (wsl2|windows), server: /m,
      );
      expect(r.stdout).not.toContain('INFO: changed:');
      expect(r.stdout).toMatch(/^OK: \d+ changes?$/m);
      expect(r.stderr).not.toMatch(/done \(0\.[0-2]s\)/);
      expect(r.stdout).not.toMatch(/Folder shared with: +0$/m);
      await arrives(c, 'welcome.txt', 'hello from the server\n');
      timings.push([`${c}: client setup start -> first file`, Date.now() - t0]);
    }
    for (const h of HOSTS)
      await writeFile(shared(lab.host(h), `from-${h}.txt`), `written on ${h}\n`);
    for (const to of HOSTS)
      for (const from of HOSTS)
        if (from !== to) await arrives(to, `from-${from}.txt`, `written on ${from}\n`);
  }, 300_000);

  it('the wsl machine is detected as WSL2: wsl.conf written, sshd moved to 2222 and restarted for real', async () => {
    const st = await on('wsl', 'mesh', ['status', '--json']);
    expect(JSON.parse(st.stdout)).toMatchObject({
      environment: {
        osType: 'wsl2',
        osName: 'Debian GNU/Linux 12 (bookworm) (WSL 2)',
        distro: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
        role: 'wsl2',
      },
    });
    // The kernel strings a WSL2 distribution shows, where mesh reads them.
    for (const file of ['/proc/version', '/proc/sys/kernel/osrelease']) {
      expect((await on('wsl', 'cat', [file])).stdout).toContain('microsoft-standard-WSL2');
    }
    expect(await readFile(path.join(lab.host('wsl').root, 'etc/wsl.conf'), 'utf8')).toMatch(
      /systemd\s*=\s*true/,
    );
    const listening = await on('wsl', 'ss', ['-Hltn', 'sport = :2222']);
    expect(listening.stdout).toContain('2222');
    // A person on the server logs in to WSL2 over the tailnet, on 2222, with a key.
    await on('server', 'ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      '/root/.ssh/id_ed25519',
    ]);
    const pub = await readFile(
      path.join(lab.host('server').root, 'root/.ssh/id_ed25519.pub'),
      'utf8',
    );
    expect((await on('wsl', 'useradd', ['-m', '-s', '/bin/bash', 'dev'])).exitCode).toBe(0);
    // dev lets the key in with mesh, as themselves; a second time changes nothing.
    for (const changed of [true, false]) {
      const add = await on('wsl', 'runuser', [
        '-l',
        'dev',
        '-c',
        `mesh ssh add-key --json '${pub.trim()}'`,
      ]);
      expect(add.exitCode, add.stdout + add.stderr).toBe(0);
      expect(JSON.parse(add.stdout)).toMatchObject({ changed });
    }
    const modes = await on('wsl', 'stat', [
      '-c',
      '%a %U',
      '/home/dev/.ssh',
      '/home/dev/.ssh/authorized_keys',
    ]);
    expect(modes.stdout.trim().split('\n')).toEqual(['700 dev', '600 dev']);
    // Already on 2222 since setup: setup-ssh finds nothing to change.
    const sshd = await mesh('wsl', ['wsl', 'setup-ssh', '--no-copy-keys', '--json']);
    expect(sshd.exitCode, sshd.stdout + sshd.stderr).toBe(0);
    expect(JSON.parse(sshd.stdout)).toMatchObject({ changed: false });
    const ip = (await on('wsl', 'tailscale', ['ip', '-4'])).stdout.trim();
    // sshd may still be settling after the restart onto 2222: a few tries, a second apart.
    const login = await until(
      'ssh -p 2222 dev@wsl',
      async () => {
        const r = await on('server', 'ssh', [
          '-p',
          '2222',
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=accept-new',
          `dev@${ip}`,
          'whoami',
        ]);
        return r.stdout.trim() === 'dev' ? r : undefined;
      },
      30_000,
    );
    expect(login.stdout.trim(), login.stderr).toBe('dev');
  }, 120_000);

  it('mesh doctor names what broke on WSL2 and --fix repairs it: sshd off 2222, Syncthing and tailscaled stopped', async () => {
    // sshd restarted onto its old port 22 (the file keeps 2222 only after our edit is undone).
    expect((await on('wsl', 'systemctl', ['stop', 'ssh.socket', 'ssh'])).exitCode).toBe(0);
    expect((await on('wsl', 'systemctl', ['stop', 'mesh-syncthing'])).exitCode).toBe(0);
    expect((await on('wsl', 'systemctl', ['stop', 'mesh-tailscaled'])).exitCode).toBe(0);
    const before = await mesh('wsl', ['doctor']);
    expect(before.exitCode, before.stdout).toBe(3);
    expect(before.stdout).toContain('FAIL: [environment] Nothing listens on port 2222');
    expect(before.stdout).toMatch(/FAIL: \[tailscale\] tailscaled is not running/);
    expect(before.stdout).toMatch(/FAIL: \[syncthing\]/);
    const fixed = await mesh('wsl', ['doctor', '--fix', '--json']);
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    const doc = JSON.parse(fixed.stdout) as {
      healthy: boolean;
      fixes: Array<{ action: string; ok: boolean }>;
    };
    expect(doc.healthy).toBe(true);
    expect(doc.fixes.every((f) => f.ok)).toBe(true);
    expect(doc.fixes.map((f) => f.action).join('\n')).toMatch(/sshd/);
    expect((await on('wsl', 'ss', ['-Hltn', 'sport = :2222'])).stdout).toContain('2222');
    expect((await on('wsl', 'systemctl', ['is-active', 'mesh-syncthing'])).stdout.trim()).toBe(
      'active',
    );
  }, 180_000);

  it('MESH_DEFAULT_USER from ../.env runs Syncthing as that user, who owns the shared folder; a user who does not exist is refused first', async () => {
    const syncthingUser = async () =>
      (await on('wsl', 'ps', ['-o', 'user=', '-C', 'syncthing'])).stdout.trim();
    const deviceId = (r: RunResult) =>
      (JSON.parse(r.stdout) as { syncthing: { deviceId: string } }).syncthing.deviceId;
    const before = deviceId(await on('wsl', 'mesh', ['status', '--json']));
    expect(await syncthingUser()).toBe('root');
    // The documented place: ../.env, beside the checkout mesh is run from, shared with another tool.
    const dir = path.join(lab.host('wsl').root, 'srv/mesh');
    await mkdir(path.join(dir, 'checkout'), { recursive: true });
    const fromCheckout = (args: readonly string[]) =>
      on('wsl', 'bash', ['-c', 'cd /srv/mesh/checkout && exec mesh "$@"', 'mesh', ...args]);
    await writeFile(path.join(dir, '.env'), 'OTHER_TOOL=1\nMESH_DEFAULT_USER=dve\n');
    const typo = await fromCheckout(['client', 'setup', '--server', SERVER_URL]);
    expect(typo.exitCode, typo.stdout + typo.stderr).toBe(4);
    expect(typo.stderr.trim().split('\n')[0]).toBe(
      'ERROR: reading settings: /srv/mesh/.env:2: MESH_DEFAULT_USER: names the user "dve", who does not exist on this machine',
    );
    expect(await syncthingUser()).toBe('root');

    await writeFile(path.join(dir, '.env'), 'OTHER_TOOL=1\nMESH_DEFAULT_USER=dev\n');
    const moved = await fromCheckout(['client', 'setup', '--server', SERVER_URL, '--json']);
    expect(moved.exitCode, moved.stdout + moved.stderr).toBe(0);
    const changes = (JSON.parse(moved.stdout) as { changes: string[] }).changes.join('\n');
    expect(changes).toMatch(/moved Syncthing's home from \/root\/\S+ to \/home\/dev\//);
    expect(changes).toContain('gave /opt/shared to dev');
    expect(await syncthingUser()).toBe('dev');
    // The same device: its certificate moved with the home, so no peer pairs again.
    expect(deviceId(await fromCheckout(['status', '--json']))).toBe(before);
    const owners = await on('wsl', 'stat', ['-c', '%U', '/opt/shared', '/opt/shared/welcome.txt']);
    expect(owners.stdout.trim().split('\n')).toEqual(['dev', 'dev']);
    // The user writes into the folder as themselves, and it flows both ways.
    const wrote = await on('wsl', 'setpriv', [
      '--reuid=dev',
      '--regid=dev',
      '--init-groups',
      'sh',
      '-c',
      'echo written by dev > /opt/shared/by-dev.txt',
    ]);
    expect(wrote.exitCode, wrote.stderr).toBe(0);
    await arrives('server', 'by-dev.txt', 'written by dev\n');
    await writeFile(shared(lab.host('server'), 'for-dev.txt'), 'to dev\n');
    await arrives('wsl', 'for-dev.txt', 'to dev\n');
    expect((await on('wsl', 'stat', ['-c', '%U', '/opt/shared/for-dev.txt'])).stdout.trim()).toBe(
      'dev',
    );
    const again = await fromCheckout(['client', 'setup', '--server', SERVER_URL, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, changes: [] });

    // Precedence, per variable: the environment, then ./.env, then ../.env (status only reads).
    await writeFile(
      path.join(dir, '.env'),
      'OTHER_TOOL=1\nMESH_DEFAULT_USER=dev\nMESH_AGENT_FORGET_AFTER=700\nMESH_AGENT_RECHECK_AFTER=70\n',
    );
    await writeFile(path.join(dir, 'checkout/.env'), 'MESH_AGENT_FORGET_AFTER=800\n');
    const seen = await on('wsl', 'bash', [
      '-c',
      'cd /srv/mesh/checkout && MESH_AGENT_RECHECK_AFTER=90 exec mesh status --verbose --json',
    ]);
    const settings = (
      JSON.parse(seen.stdout) as {
        settings: Array<{ name: string; value: string; source: string }>;
      }
    ).settings;
    const of = (name: string) => settings.find((x) => x.name === name);
    expect(of('MESH_AGENT_RECHECK_AFTER')).toMatchObject({ value: '90', source: 'env' });
    expect(of('MESH_AGENT_FORGET_AFTER')).toMatchObject({
      value: '800',
      source: '/srv/mesh/checkout/.env',
    });
    expect(of('MESH_DEFAULT_USER')).toMatchObject({ value: 'dev', source: '/srv/mesh/.env' });
    await writeFile(path.join(dir, '.env'), 'OTHER_TOOL=1\nMESH_DEFAULT_USER=dev\n');
    await on('wsl', 'rm', ['/srv/mesh/checkout/.env']);
  }, 240_000);

  it('the documented administration commands work verbatim on the server', async () => {
    const status = await on('server', 'systemctl', ['status', 'headscale', '--no-pager']);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain('active (running)');
    const journal = await on('server', 'journalctl', ['-u', 'headscale', '--no-pager']);
    expect(journal.stdout).toMatch(/headscale\[\d+\]: .*(INF|WRN)/);
    const nodes = await on('server', 'headscale', ['nodes', 'list']);
    expect(nodes.exitCode, nodes.stderr).toBe(0);
    for (const h of HOSTS) expect(nodes.stdout).toContain(h);
    expect((await on('server', 'tailscale', ['status'])).stdout).toContain('wsl');
    expect((await on('server', 'tailscale', ['ip', '-4'])).stdout.trim()).toMatch(/^100\.64\./);
    const ping = await on('server', 'tailscale', ['ping', '-c', '5', 'wsl']);
    expect(ping.stdout).toContain('pong from wsl');
    const health = await on('wsl', 'curl', ['-s', `${SERVER_URL}/health`]);
    expect(health.stdout).toContain('pass');
    // MagicDNS (on by default): machine names resolve on every member, and a service reached by
    // name answers over the tailnet (wsl's sshd on 2222, from the server).
    for (const [from, to] of [
      ['wsl', 'server'],
      ['server', 'windows'],
    ] as const) {
      const resolved = await on(from, 'getent', ['hosts', to]);
      expect(resolved.stdout, `${from} resolving ${to}`).toMatch(/^100\.64\.\d+\.\d+\s/);
    }
    const byName = await on('server', 'bash', ['-c', 'exec 3<>/dev/tcp/wsl/2222 && head -c 8 <&3']);
    expect(byName.stdout, byName.stderr).toBe('SSH-2.0-');

    const t0 = performance.now();
    expect((await on('server', 'systemctl', ['restart', 'headscale'])).exitCode).toBe(0);
    await until(
      'every node online after systemctl restart headscale',
      async () => {
        const r = await on('server', 'headscale', ['nodes', 'list', '-o', 'json']);
        const list = JSON.parse(r.stdout || '[]') as Array<{ online?: boolean }>;
        return list.length === 3 && list.every((n) => n.online) ? true : undefined;
      },
      120_000,
    );
    timings.push([
      'systemctl restart headscale -> all nodes online',
      Math.round(performance.now() - t0),
    ]);
  }, 180_000);

  it('mesh harden: an ACL policy Headscale checks and enforces, hardened settings, the mesh still syncing; again, nothing changes', async () => {
    const dry = await mesh('server', ['harden', 'server', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changed: true });
    const hard = await mesh('server', ['harden', 'server', '--json']);
    expect(hard.exitCode, hard.stdout + hard.stderr).toBe(0);
    expect(JSON.parse(hard.stdout)).toMatchObject({ changed: true });
    const config = await readFile(
      path.join(lab.host('server').root, 'etc/headscale/config.yaml'),
      'utf8',
    );
    expect(config).toMatch(/mode: file/);
    await until(
      'every node online after hardening',
      async () => {
        const r = await on('server', 'headscale', ['nodes', 'list', '-o', 'json']);
        const list = JSON.parse(r.stdout || '[]') as Array<{ online?: boolean }>;
        return list.length === 3 && list.every((n) => n.online) ? true : undefined;
      },
      120_000,
    );
    // The policy lets the mesh's own traffic through...
    await writeFile(shared(lab.host('server'), 'after-harden.txt'), 'still syncing\n');
    await arrives('wsl', 'after-harden.txt', 'still syncing\n');
    const serverIp = (await on('server', 'tailscale', ['ip', '-4'])).stdout.trim();
    const reach = (port: number) =>
      on('wsl', 'timeout', [
        '5',
        'bash',
        '-c',
        `exec 3<>/dev/tcp/${serverIp}/${port} && head -c 4 <&3`,
      ]);
    expect((await reach(22)).stdout).toBe('SSH-');
    // ...and nothing else: a port the policy does not name is dropped over the tailnet.
    await on('server', 'systemd-run', [
      '--unit=probe-9999',
      'systemd-socket-activate',
      '-l',
      '9999',
      '-a',
      '--inetd',
      '/bin/echo',
      'open',
    ]);
    await until(
      'the probe listening on the server',
      async () => {
        const local = ['-c', 'exec 3<>/dev/tcp/127.0.0.1/9999 && head -c 4 <&3'];
        return (await on('server', 'bash', local)).stdout === 'open' ? true : undefined;
      },
      30_000,
    );
    expect((await reach(9999)).stdout).toBe('');
    const again = await mesh('server', ['harden', 'server', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false });
    for (const h of ['wsl', 'server']) {
      const client = await mesh(h, ['harden', 'client', '--json']);
      expect(client.exitCode, client.stdout + client.stderr).toBe(0);
      expect(JSON.parse((await mesh(h, ['harden', 'client', '--json'])).stdout)).toMatchObject({
        changed: false,
      });
    }
    const st = JSON.parse((await mesh('server', ['status', '--json'])).stdout) as {
      healthy: boolean;
      checks: Array<{ section: string; level: string; message: string }>;
    };
    const security = st.checks.filter((c) => c.section === 'security');
    expect(security.length).toBeGreaterThan(0);
    expect(security.filter((c) => c.level !== 'ok' && c.level !== 'info')).toEqual([]);
    expect(st.healthy).toBe(true);
  }, 300_000);

  for (const host of ['wsl', 'server'] as const) {
    it(`after a reboot of ${host}, everything is back with no command typed`, async () => {
      const other = host === 'server' ? 'wsl' : 'server';
      const t0 = performance.now();
      const rebooted = lab.reboot(host);
      // Written elsewhere while the machine goes down and comes back.
      await writeFile(
        shared(lab.host(other), `during-${host}-reboot.txt`),
        `while ${host} rebooted\n`,
      );
      timings.push([`${host}: reboot (machine up again)`, await rebooted]);
      await until(
        `tailscale Running on ${host}`,
        async () => {
          const r = await on(host, 'tailscale', ['status', '--json']);
          return /"BackendState":\s*"Running"/.test(r.stdout) ? true : undefined;
        },
        120_000,
      );
      await arrives(host, `during-${host}-reboot.txt`, `while ${host} rebooted\n`);
      await writeFile(shared(lab.host(host), `after-${host}-reboot.txt`), 'back\n');
      await arrives(other, `after-${host}-reboot.txt`, 'back\n');
      timings.push([
        `${host}: reboot -> syncing both ways again`,
        Math.round(performance.now() - t0),
      ]);
      const st = await mesh(host, ['status']);
      expect(st.exitCode, st.stdout).toBe(0);
      if (host === 'wsl') {
        // Still a WSL2 machine after the reboot: its kernel strings are bound again at boot.
        expect((await on('wsl', 'cat', ['/proc/version'])).stdout).toContain('WSL2');
        // And Syncthing came back as MESH_DEFAULT_USER, which its unit now names.
        expect((await on('wsl', 'ps', ['-o', 'user=', '-C', 'syncthing'])).stdout.trim()).toBe(
          'dev',
        );
      }
    }, 300_000);
  }
});
