import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LabState, removeRoot } from './state.js';

let root = '';
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(path: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), 'x');
}

describe('removeRoot', () => {
  it('keeps the logs of every service a host ran, and nothing else', async () => {
    root = await mkdtemp(join(tmpdir(), 'mesh-lab-root-'));
    await put('hosts/a/logs/boot.log');
    await put('hosts/a/home/.local/state/mesh/services/mesh-agent.log');
    await put('hosts/a/home/.config/syncthing/index-v0.14.0.db/000002.log');
    await put('hosts/a/var/lib/tailscale/tailscaled.state');
    const state = { root, hosts: [{ name: 'a' }] } as Pick<LabState, 'root' | 'hosts'>;
    await removeRoot(state, true);
    expect(await readdir(join(root, 'hosts/a'))).toEqual(['logs']);
    expect((await readdir(join(root, 'hosts/a/logs'))).sort()).toEqual([
      'boot.log',
      'home_.local_state_mesh_services_mesh-agent.log',
    ]);
    await removeRoot(state, false);
    expect(await readdir(root).catch(() => 'gone')).toBe('gone');
  });
});
