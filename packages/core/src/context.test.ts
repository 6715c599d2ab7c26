import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../test/fake-machine.js';
import { isMeshError, type MeshError } from './errors.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

async function failure(p: Promise<unknown>): Promise<MeshError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isMeshError(e)) throw new Error(`expected a MeshError, got ${String(e)}`);
  expect(e.kind).toBe('badInput');
  expect(e.exitCode).toBe(4);
  expect(e.message).not.toContain('\n');
  expect(e.hint.trim()).not.toBe('');
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
