import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Lab } from '@mesh/lab';
import { expect } from 'vitest';
import { mesh, sharedFolder, until } from './lab-helpers.js';

const SERVER_URL = 'http://10.99.0.1:8080';

/**
 * A mesh of server, wsl and windows set up by the built CLI, in sync; `spare` hosts are up
 * with nothing set up. Returns the lab and the key file the clients joined with.
 */
export async function labMesh(
  spare: readonly string[] = [],
): Promise<{ lab: Lab; keyFile: string }> {
  const lab = await Lab.up({
    hosts: ['server', 'wsl', 'windows', ...spare],
    headscale: false,
    tailscale: false,
    syncthing: false,
  });
  expect((await mesh(lab, 'server', ['server', 'setup'])).exitCode).toBe(0);
  const key = JSON.parse((await mesh(lab, 'server', ['server', 'keygen', '--json'])).stdout) as {
    keyFile: string;
  };
  for (const c of ['wsl', 'windows']) {
    const r = await mesh(lab, c, [
      'client',
      'setup',
      '--server',
      SERVER_URL,
      '--key-file',
      key.keyFile,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
  }
  await writeFile(path.join(sharedFolder(lab.host('wsl')), 'ready.txt'), 'ready\n');
  await until('the mesh in sync', () =>
    readFile(path.join(sharedFolder(lab.host('windows')), 'ready.txt'), 'utf8'),
  );
  return { lab, keyFile: key.keyFile };
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
