import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WINGET_IDS } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRunner, probe, wslContext, wslRoot } from '../../test/wsl-root.js';
import { isMeshError } from '../errors.js';
import { installMissingPrograms, packageFor } from './install.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-install-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('installing what is missing', () => {
  it('installs only the missing program with the detected package manager, once', async () => {
    await wslRoot(root);
    // detectPackageManager looks under the root: this root "has" apt.
    await mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await writeFile(path.join(root, 'usr/bin/apt-get'), '');
    const present = new Set(['tailscale', 'tailscaled']);
    const installs: string[] = [];
    const runner = fakeRunner({
      sh: probe(present),
      'dpkg-query': (args) =>
        present.has(args.at(-1) ?? '')
          ? { stdout: 'install ok installed' }
          : { exitCode: 1, stderr: 'no packages found' },
      env: (args) => {
        installs.push(args.join(' '));
        present.add(args.at(-1) ?? '');
        return {};
      },
      sudo: (args) => {
        installs.push(args.join(' '));
        present.add(args.at(-1) ?? '');
        return {};
      },
    });
    // Explicit binaries would bypass the probe; this machine's are unset here.
    const ctx = await wslContext(root, runner);
    const first = await installMissingPrograms(ctx);
    expect(first).toMatchObject({ status: 'changed', changes: ['installed syncthing (apt)'] });
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(
      /DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends syncthing$/,
    );
    const second = await installMissingPrograms(ctx);
    expect(second).toEqual({ id: 'install', status: 'ok', changes: [] });
    expect(installs).toHaveLength(1);
  });

  it('without a package manager, a missing program is bad input (exit 4) and nothing runs', async () => {
    await wslRoot(root);
    const runner = fakeRunner({ sh: probe(new Set(['tailscale', 'tailscaled'])) });
    const ctx = await wslContext(root, runner);
    const error = await installMissingPrograms(ctx).catch((e: unknown) => e);
    expect(isMeshError(error) && error.kind).toBe('badInput');
    expect((error as Error).message).toContain('missing programs: syncthing');
  });
});

describe('packageFor', () => {
  it.each([
    ['tailscale', 'apt', 'tailscale'],
    ['tailscaled', 'apt', 'tailscale'],
    ['syncthing', 'dnf', 'syncthing'],
    ['tailscaled', 'brew', 'tailscale'],
    ['tailscale', 'winget', WINGET_IDS.tailscale],
    ['tailscaled', 'winget', WINGET_IDS.tailscale],
    ['syncthing', 'winget', WINGET_IDS.syncthing],
  ] as const)('%s with %s: %s', (program, manager, pkg) => {
    expect(packageFor(program, manager)).toBe(pkg);
  });
});
