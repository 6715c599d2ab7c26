import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner, RunResult } from '../runner.js';
import { detectPackageManager, packageCommands, packageManager } from './package-manager.js';

function recorder(answer: (argv: string[]) => Partial<RunResult>) {
  const calls: string[][] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args) {
      const argv = [file, ...args];
      calls.push(argv);
      return {
        command: argv.join(' '),
        exitCode: 0,
        stdout: '',
        stderr: '',
        timedOut: false,
        ...answer(argv),
      };
    },
  };
  return { runner, calls };
}

describe('PackageManager', () => {
  it('exact commands', () => {
    expect(packageCommands('apt', 'syncthing', { sudo: true })).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format
      check: { file: 'dpkg-query', args: ['-W', '-f=${Status}', 'syncthing'] },
      install: [
        {
          file: 'sudo',
          args: [
            '-n',
            'env',
            'DEBIAN_FRONTEND=noninteractive',
            'apt-get',
            'install',
            '-y',
            '--no-install-recommends',
            'syncthing',
          ],
        },
      ],
    });
    expect(packageCommands('dnf', 'syncthing')).toEqual({
      check: { file: 'rpm', args: ['-q', 'syncthing'] },
      install: [{ file: 'dnf', args: ['install', '-y', 'syncthing'] }],
    });
    expect(packageCommands('brew', 'syncthing').install).toEqual([
      { file: 'brew', args: ['install', 'syncthing'] },
    ]);
    expect(packageCommands('winget', 'Syncthing.Syncthing').install[0]?.args).toContain('--silent');
    expect(() => packageCommands('apt', 'x; rm -rf /')).toThrow(/package name/);
  });

  it('ensure installs only when missing', async () => {
    const present = recorder(() => ({ stdout: 'install ok installed' }));
    expect(
      await packageManager('apt', { runner: present.runner }).ensure('openssh-server'),
    ).toEqual({ changed: false });
    expect(present.calls).toHaveLength(1);

    const missing = recorder((argv) =>
      argv[0] === 'dpkg-query' ? { exitCode: 1, stderr: 'no packages found' } : {},
    );
    expect(
      await packageManager('apt', { runner: missing.runner }).ensure('openssh-server'),
    ).toEqual({ changed: true });
    expect(missing.calls.map((c) => c[0])).toEqual(['dpkg-query', 'env']);

    // dpkg-query exits 0 for removed-but-configured packages: not installed.
    const removed = recorder(() => ({ stdout: 'deinstall ok config-files' }));
    expect(await packageManager('apt', { runner: removed.runner }).isInstalled('x')).toBe(false);
  });

  it('detects by binary under root', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'mesh-pm-'));
    try {
      await expect(detectPackageManager({ root, platform: 'linux' })).rejects.toThrow(
        /no supported package manager/,
      );
      await mkdir(path.join(root, 'usr/bin'), { recursive: true });
      await writeFile(path.join(root, 'usr/bin/dnf'), '');
      expect((await detectPackageManager({ root, platform: 'linux' })).name).toBe('dnf');
      await writeFile(path.join(root, 'usr/bin/apt-get'), '');
      expect((await detectPackageManager({ root, platform: 'linux' })).name).toBe('apt');
      expect((await detectPackageManager({ platform: 'win32' })).name).toBe('winget');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
