import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { meshDirs, SERVER_URL_FILE, writeSavedServerUrl } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { controlServerUrl } from './server-url.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

// The order itself is tested once, beside platform's resolveServerUrl; this checks that core
// hands it this machine's settings and what it does with a saved file that holds no URL.
describe('controlServerUrl', () => {
  it("takes the option, then the context's settings, then the saved file", async () => {
    machine = await fakeMachine('wsl2', 'pc');
    const plain = await machine.context();
    expect(await controlServerUrl(plain)).toBeUndefined();
    await writeSavedServerUrl('http://saved:1', { env: plain.env });
    expect(await controlServerUrl(plain)).toBe('http://saved:1');
    const old = await machine.context({ HEADSCALE_SERVER: 'http://old:2/' });
    expect(await controlServerUrl(old)).toBe('http://old:2');
    const both = await machine.context({
      HEADSCALE_SERVER: 'http://old:2',
      MESH_SERVER_URL: 'http://env:3',
    });
    expect(await controlServerUrl(both)).toBe('http://env:3');
    expect(await controlServerUrl(both, { option: 'http://flag:4' })).toBe('http://flag:4');
  });

  it('counts a saved file without a URL as none, unless strict', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context();
    const dir = meshDirs({ env: ctx.env }).config;
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, SERVER_URL_FILE), 'not a url\n');
    expect(await controlServerUrl(ctx)).toBeUndefined();
    await expect(controlServerUrl(ctx, { strict: true })).rejects.toMatchObject({
      name: 'FileEditError',
    });
  });
});
