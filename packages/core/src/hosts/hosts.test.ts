import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { addHost, listHosts, removeHost } from './commands.js';
import { hostsFile, readHosts } from './registry.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

describe('host registry and ssh blocks', () => {
  it('adds idempotently, keeps comments, writes the ssh block, and removes both', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context({ MESH_DEFAULT_USER: 'nobody', MESH_WSL2_HOSTNAMES: 'wsl' });
    await writeFile(hostsFile(ctx), '# my machines\nhosts:\n  nas: {ip: 192.168.1.5}\n');
    const added = await addHost(ctx, { name: 'wsl', ip: '100.64.0.2' });
    expect(added.host).toEqual({ name: 'wsl', ip: '100.64.0.2', port: 2222, user: null });
    expect(added.changes).toEqual([
      'registered wsl (100.64.0.2 port 2222)',
      `wrote the ssh wsl block in ${path.join(machine.home, '.ssh/config')}`,
    ]);
    expect((await addHost(ctx, { name: 'wsl', ip: '100.64.0.2' })).changed).toBe(false);
    const yaml = await readFile(hostsFile(ctx), 'utf8');
    expect(yaml).toContain('# my machines');
    expect(await readHosts(ctx)).toEqual([
      { name: 'nas', ip: '192.168.1.5', port: 22, user: null },
      { name: 'wsl', ip: '100.64.0.2', port: 2222, user: null },
    ]);
    expect(await readFile(path.join(machine.home, '.ssh/config'), 'utf8')).toBe(
      '# mesh-managed: wsl\nHost wsl\n  HostName 100.64.0.2\n  Port 2222\n  User nobody\n# end mesh-managed: wsl\n',
    );
    const list = await listHosts(ctx);
    expect(list.map((h) => [h.name, h.sshUser, h.sshConfig, h.inMesh])).toEqual([
      ['nas', 'nobody', false, false],
      ['wsl', 'nobody', true, false],
    ]);
    const removed = await removeHost(ctx, 'wsl');
    expect(removed.changes).toHaveLength(2);
    expect(await readFile(path.join(machine.home, '.ssh/config'), 'utf8')).toBe('');
    expect(await readHosts(ctx)).toHaveLength(1);
  });

  it('refuses bad input with one line and writes nothing', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context();
    const before = await machine.tree();
    await expect(addHost(ctx, { name: 'bad.name', ip: '100.64.0.2' })).rejects.toThrow(
      '"bad.name" is not a host name',
    );
    await expect(addHost(ctx, { name: 'pc', ip: 'ten' })).rejects.toThrow(
      '--ip must be an IP address, got "ten"',
    );
    // No --ip, and tailscaled (not running here) knows no member of that name.
    await expect(addHost(ctx, { name: 'pc' })).rejects.toThrow(
      'No --ip given, and no tailnet member is called pc',
    );
    await expect(removeHost(ctx, 'pc')).rejects.toThrow(/No host called pc in /);
    expect(await machine.tree()).toEqual(before);
  });

  it('names the file and line of a broken registry', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context();
    const file = hostsFile(ctx);
    await writeFile(file, 'hosts:\n  wsl: {ip: 100.64.0.2}\n  pc: {ip: nowhere, port: 22}\n');
    await expect(readHosts(ctx)).rejects.toThrow(
      `${file}:3: host pc: ip must be an IPv4 or IPv6 address`,
    );
    await writeFile(file, 'hosts:\n  wsl: {ip: 100.64.0.2\n');
    await expect(readHosts(ctx)).rejects.toThrow(new RegExp(`^${file}:\\d: not valid YAML`));
    await expect(addHost(ctx, { name: 'x', ip: '100.64.0.3' })).rejects.toThrow(/not valid YAML/);
    expect(await readFile(file, 'utf8')).toBe('hosts:\n  wsl: {ip: 100.64.0.2\n');
  });
});
