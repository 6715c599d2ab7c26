import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Runner } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { put } from '../../test/put.js';
import type { MeshContext } from '../context.js';
import { hostsFile } from '../hosts/registry.js';
import { sshStatus } from './status.js';

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIDT9s9kOLRE9hfkhmhtO0BNkUpPROfks7qnWofLZUmWx';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAimcHFbHZZH8e0JE+3/AEVdjiVTtjGbCWFBZGS0awIm';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

/** `sshd -T` answered with `settings`; every other program is absent. */
function sshdAnswering(settings: string): Runner {
  return {
    prefix: [],
    async run(file, args) {
      const sshd = file === '/usr/sbin/sshd' && args[0] === '-T';
      return {
        command: file,
        exitCode: sshd ? 0 : 127,
        stdout: sshd ? settings : '',
        stderr: '',
        timedOut: false,
      };
    },
  };
}

describe('mesh ssh status', () => {
  it('reports the ports sshd listens on, password auth, the keys and the hosts with blocks', async () => {
    machine = await fakeMachine();
    const base = await machine.context();
    const ctx: MeshContext = {
      ...base,
      runner: sshdAnswering('port 2200\npasswordauthentication no\npubkeyauthentication yes\n'),
    };
    await mkdir(path.join(machine.root, 'etc/ssh'), { recursive: true });
    await writeFile(path.join(machine.root, 'etc/ssh/sshd_config'), 'Port 2200\nPort 22\n');
    const keys = path.join(machine.home, '.ssh/authorized_keys');
    await put(keys, `# mine\nssh-ed25519 ${ED} a\nssh-ed25519 ${K2} b\ngarbage\n`, 0o600);
    await writeFile(hostsFile(ctx), 'hosts:\n  hub: {ip: 100.64.0.1}\n  nas: {ip: 192.168.1.5}\n');
    await writeFile(
      path.join(machine.home, '.ssh/config'),
      '# mesh-managed: hub\nHost hub\n# end mesh-managed: hub\n',
    );
    const tree = await machine.tree();

    const st = await sshStatus(ctx, { listens: async (port) => port === 2200 });
    expect(st).toEqual({
      sshd: {
        installed: true,
        configFile: path.join(machine.root, 'etc/ssh/sshd_config'),
        ports: [2200, 22],
        listening: [2200],
        passwordAuthentication: false,
      },
      authorizedKeys: { file: keys, keys: 2, invalid: 1, mode: '600' },
      hosts: [
        { name: 'hub', sshConfig: true },
        { name: 'nas', sshConfig: false },
      ],
      problems: [],
      healthy: true,
    });
    expect(await machine.tree()).toEqual(tree);

    // A file others may write is one sshd ignores; sshd stopped is a problem too.
    await chmod(keys, 0o664);
    const bad = await sshStatus(ctx, { listens: async () => false });
    expect(bad.problems).toEqual([
      "Nothing listens on sshd's port 2200, 22: sshd is not running",
      `${keys} is writable by others (mode 664): sshd ignores it (mesh ssh add-key sets 600)`,
    ]);
    expect(bad.healthy).toBe(false);
  });

  it('says when the OpenSSH server is not installed, and never fails on a broken registry', async () => {
    machine = await fakeMachine();
    const ctx = await machine.context();
    await writeFile(hostsFile(ctx), 'hosts:\n  hub: {ip: nowhere}\n');
    const st = await sshStatus(ctx, { listens: async () => true });
    expect(st.sshd).toMatchObject({ installed: false, ports: [], passwordAuthentication: null });
    expect(st.authorizedKeys).toMatchObject({ keys: 0, mode: null });
    expect(st.problems).toEqual([
      'OpenSSH server is not installed (no /etc/ssh/sshd_config)',
      `${hostsFile(ctx)}:2: host hub: ip must be an IPv4 or IPv6 address`,
    ]);
  });
});
