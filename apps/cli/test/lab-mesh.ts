import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Lab } from '@mesh/lab';
import { expect } from 'vitest';
import { mesh, sharedFolder, until } from './lab-helpers.js';

const SERVER_URL = 'http://10.99.0.1:8080';

/** `mesh client setup` against the lab's server with a saved key. */
export function clientSetupArgs(keyFile: string, ...more: string[]): string[] {
  return ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile, ...more];
}

/**
 * A mesh of the server and `clients` (wsl and windows unless told) set up by the built CLI, in
 * sync; `spare` hosts are up with nothing set up. Returns the lab and the key file the clients
 * joined with. `env` goes to every setup, over the tests' own settings.
 */
export async function labMesh(
  spare: readonly string[] = [],
  clients: readonly string[] = ['wsl', 'windows'],
  o: { env?: Record<string, string> } = {},
): Promise<{ lab: Lab; keyFile: string }> {
  const lab = await Lab.up({
    hosts: ['server', ...clients, ...spare],
    headscale: false,
    tailscale: false,
    syncthing: false,
  });
  expect((await mesh(lab, 'server', ['server', 'setup'], o)).exitCode).toBe(0);
  const key = JSON.parse((await mesh(lab, 'server', ['server', 'keygen', '--json'], o)).stdout) as {
    keyFile: string;
  };
  for (const c of clients) {
    const r = await mesh(lab, c, clientSetupArgs(key.keyFile), o);
    expect(r.exitCode, r.stderr).toBe(0);
  }
  const [first, ...others] = clients as [string, ...string[]];
  await writeFile(path.join(sharedFolder(lab.host(first)), 'ready.txt'), 'ready\n');
  await Promise.all(
    ['server', ...others].map((h) =>
      until(
        `the mesh in sync (${h})`,
        () => readFile(path.join(sharedFolder(lab.host(h)), 'ready.txt'), 'utf8'),
        300_000,
      ),
    ),
  );
  return { lab, keyFile: key.keyFile };
}
