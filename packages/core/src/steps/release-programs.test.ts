import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { findMeshProgram, meshProgram } from './release-programs.js';

let machine: FakeMachine;
beforeEach(async () => {
  machine = await fakeMachine();
});
afterEach(() => machine.remove());

async function program(dir: string, name: string): Promise<string> {
  const file = path.join(machine.root, dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, 0o755);
  return file;
}

describe('meshProgram', () => {
  it('finds a release install in /usr/local/bin though no PATH names it (tailscaled as a service)', async () => {
    const ctx = await machine.context({ PATH: path.join(machine.root, 'bin') });
    expect(meshProgram(ctx, 'tailscaled')).toBe('tailscaled');
    const installed = await program('usr/local/bin', 'tailscaled');
    expect(meshProgram(ctx, 'tailscaled')).toBe(installed);
    expect(await findMeshProgram(ctx, 'tailscaled')).toBe(installed);
  });

  it('puts MESH_*_BIN and Mesh cache (under the root) first', async () => {
    await program('usr/local/bin', 'tailscaled');
    const ctx = await machine.context({ PATH: '' });
    const cached = await program('var/cache/mesh/bin', 'tailscaled');
    expect(meshProgram(ctx, 'tailscaled')).toBe(cached);
    expect(meshProgram(ctx, 'tailscaled', '/opt/ts/tailscaled')).toBe('/opt/ts/tailscaled');
    const named = await machine.context({ MESH_TAILSCALED_BIN: '/srv/tailscaled' });
    expect(meshProgram(named, 'tailscaled')).toBe('/srv/tailscaled');
  });

  it('leaves a program found nowhere as its bare name', async () => {
    const ctx = await machine.context({ PATH: path.join(machine.root, 'bin') });
    expect(await findMeshProgram(ctx, 'headscale')).toBe('headscale');
  });
});
