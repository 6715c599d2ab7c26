import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, meshFailure } from '../../test/fake-machine.js';
import { setupServer } from './server.js';
import { checkSharedFolder, ensureSyncthing } from './syncthing.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

const failure = (p: Promise<unknown>) => meshFailure(p, 'badInput');

/** A Syncthing home that shares opt-shared from `folderPath`, as config.xml records it. */
async function syncthingSharing(folderPath: string): Promise<void> {
  const home = path.join(machine.home, '.config', 'syncthing');
  await mkdir(home, { recursive: true });
  await writeFile(
    path.join(home, 'config.xml'),
    `<configuration version="37">
  <folder id="opt-shared" label="Shared" path="${folderPath}/" type="sendreceive"></folder>
  <gui enabled="true" tls="false"><address>127.0.0.1:1</address><apikey>k</apikey></gui>
</configuration>`,
  );
}

describe('checkSharedFolder', () => {
  it('accepts a missing folder under a folder, an existing folder, and the folder Syncthing has', async () => {
    machine = await fakeMachine();
    const ctx = await machine.context();
    await expect(checkSharedFolder(ctx)).resolves.toBeUndefined();
    await mkdir(ctx.paths.sharedFolder, { recursive: true });
    await syncthingSharing(ctx.paths.sharedFolder);
    await expect(checkSharedFolder(ctx)).resolves.toBeUndefined();
  });

  it('refuses a path under a file', async () => {
    machine = await fakeMachine();
    const file = path.join(machine.root, 'file');
    await writeFile(file, '');
    const wanted = path.join(file, 'a', 'b');
    const e = await failure(
      checkSharedFolder(await machine.context({ MESH_SHARED_FOLDER_LINUX: wanted })),
    );
    expect(e.message).toBe(
      `The shared folder ${wanted} (MESH_SHARED_FOLDER_LINUX) cannot be created: ${file} is a file`,
    );
  });

  it('refuses a relative path (the settings refuse one in MESH_SHARED_FOLDER_LINUX already)', async () => {
    machine = await fakeMachine();
    const e = await failure(checkSharedFolder(await machine.context(), { folderPath: 'shared' }));
    expect(e.message).toBe('The shared folder must be an absolute path, got "shared"');
    expect(e.hint).toBe('give an absolute path as the folder path (e.g. /opt/shared)');
  });

  it('names no variable for a path given by the caller', async () => {
    machine = await fakeMachine();
    const file = path.join(machine.root, 'file');
    await writeFile(file, '');
    const e = await failure(checkSharedFolder(await machine.context(), { folderPath: file }));
    expect(e.message).toBe(`The shared folder ${file} is a file, not a folder`);
    expect(e.hint).toBe('give a folder as the folder path, or move that file away');
  });
});

describe('ensureSyncthing refuses a moved folder before any write', () => {
  it('runs no program and writes no .stignore at the new path', async () => {
    machine = await fakeMachine();
    await syncthingSharing('/opt/shared');
    const moved = path.join(machine.root, 'new');
    const ctx = await machine.context({ MESH_SHARED_FOLDER_LINUX: moved });
    const before = await machine.tree();
    const e = await failure(ensureSyncthing(ctx));
    expect(e.message).toContain(`already points at /opt/shared/, not ${moved}`);
    expect(machine.calls).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });
});

describe('mesh server setup checks the shared folder first', () => {
  it('a file: exit 4, Headscale untouched', async () => {
    machine = await fakeMachine('server', 'hub');
    const file = path.join(machine.root, 'shared');
    await writeFile(file, '');
    const ctx = await machine.context({ MESH_SHARED_FOLDER_LINUX: file });
    const before = await machine.tree();
    const e = await failure(setupServer(ctx, { listen: '127.0.0.1:8080' }));
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe(
      `The shared folder ${file} (MESH_SHARED_FOLDER_LINUX) is a file, not a folder`,
    );
    expect(machine.calls).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });
});
