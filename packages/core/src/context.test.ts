import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, meshFailure } from '../test/fake-machine.js';
import type { MeshError } from './errors.js';
import { effectiveSettings } from './steps/settings-report.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

async function failure(p: Promise<unknown>): Promise<MeshError> {
  const e = await meshFailure(p, 'badInput');
  expect(e.exitCode).toBe(4);
  return e;
}

describe('MESH_ENV_FILE', () => {
  it('reads the file it names', async () => {
    machine = await fakeMachine('');
    const file = path.join(machine.root, 'mesh.env');
    await writeFile(file, 'MESH_SERVER_HOSTNAMES=hub,other\n');
    const ctx = await machine.context({ MESH_ENV_FILE: file });
    expect(ctx.settings.serverHostnames).toEqual(['hub', 'other']);
  });

  it('naming a missing file is exit 4 naming the variable and the path', async () => {
    machine = await fakeMachine();
    const file = path.join(machine.root, 'typo.env');
    const e = await failure(machine.context({ MESH_ENV_FILE: file }));
    expect(e.message).toBe(`MESH_ENV_FILE names ${file}, which does not exist`);
    expect(e.hint).toBe('point MESH_ENV_FILE at an existing settings file, or unset it');
  });

  it('naming a directory is exit 4 too', async () => {
    machine = await fakeMachine();
    const e = await failure(machine.context({ MESH_ENV_FILE: machine.root }));
    expect(e.message).toBe(`MESH_ENV_FILE names ${machine.root}, which is a directory, not a file`);
  });

  it('empty counts as unset; the default file may be missing but not a directory', async () => {
    machine = await fakeMachine();
    const defaultFile = path.join(machine.home, '.config', 'mesh', '.env');
    await rm(defaultFile);
    await expect(machine.context({ MESH_ENV_FILE: '' })).resolves.toBeDefined();
    await mkdir(defaultFile);
    const e = await failure(machine.context());
    expect(e.message).toBe(`The settings file ${defaultFile} is a directory, not a file`);
  });
});

describe('./.env and ../.env', () => {
  // fakeMachine runs in home/work: home/work/.env is ./.env and home/.env is ../.env.
  async function withFiles(here: string, parent: string) {
    machine = await fakeMachine('');
    const cwd = path.join(machine.home, 'work');
    await mkdir(cwd, { recursive: true });
    await writeFile(path.join(cwd, '.env'), here);
    await writeFile(path.join(machine.home, '.env'), parent);
    return { here: path.join(cwd, '.env'), parent: path.join(machine.home, '.env') };
  }

  it('paths, role detection and settings all see the files, environment first', async () => {
    const f = await withFiles(
      'MESH_SHARED_FOLDER_LINUX=/srv/here\n',
      'MESH_SERVER_HOSTNAMES=pc\nMESH_SHARED_FOLDER_LINUX=/srv/parent\nMESH_TAILSCALE_TUN=userspace-networking\n',
    );
    const ctx = await machine.context();
    expect(ctx.role).toBe('server');
    expect(ctx.paths.sharedFolder).toBe('/srv/here');
    expect(ctx.settings.sharedFolderLinux).toBe('/srv/here');
    expect(ctx.env['MESH_TAILSCALE_TUN']).toBe('userspace-networking');
    const byName = Object.fromEntries(effectiveSettings(ctx).map((e) => [e.name, e]));
    expect(byName['MESH_SHARED_FOLDER_LINUX']).toEqual({
      name: 'MESH_SHARED_FOLDER_LINUX',
      value: '/srv/here',
      source: f.here,
    });
    expect(byName['MESH_SERVER_HOSTNAMES']).toMatchObject({ value: 'pc', source: f.parent });
    expect(byName['MESH_HOSTNAME']).toMatchObject({ value: 'pc', source: 'env' });
    expect(byName['MESH_AGENT_FORGET_AFTER']).toEqual({
      name: 'MESH_AGENT_FORGET_AFTER',
      value: '600',
      source: 'default',
    });
    expect(byName['MESH_SERVER_URL']).toEqual({
      name: 'MESH_SERVER_URL',
      value: null,
      source: 'default',
    });

    const overridden = await machine.context({ MESH_SHARED_FOLDER_LINUX: '/srv/env' });
    expect(overridden.paths.sharedFolder).toBe('/srv/env');
    expect(overridden.settings.sources['MESH_SHARED_FOLDER_LINUX']).toBe('env');
  });

  it('MESH_ENV_FILE replaces the search', async () => {
    await withFiles('MESH_SERVER_HOSTNAMES=pc\n', '');
    const file = path.join(machine.root, 'mesh.env');
    await writeFile(file, 'MESH_SHARED_FOLDER_LINUX=/srv/named\n');
    const ctx = await machine.context({ MESH_ENV_FILE: file });
    expect(ctx.role).toBe('unknown');
    expect(ctx.paths.sharedFolder).toBe('/srv/named');
    expect(ctx.settings.envFiles).toEqual([file]);
  });

  it('a bad line is exit 4 naming the file and line', async () => {
    const f = await withFiles('MESH_ROLE=server\n', '\uFEFFA=1\r\nMESH_WSL_HOSTNAMES=pc\r\n');
    const e = await failure(machine.context());
    expect(e.message).toBe(
      `reading settings: ${f.parent}:2: MESH_WSL_HOSTNAMES: unknown setting; did you mean MESH_WSL2_HOSTNAMES?`,
    );
    expect(e.hint).toBe(`fix line 2 of ${f.parent}; nothing was changed`);
  });
});
