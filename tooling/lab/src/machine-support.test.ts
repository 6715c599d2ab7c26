import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Runner } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMachineSupport } from './machine.js';

const runner = (exitCode: number): Runner => ({
  prefix: [],
  run: async (command) => ({ command, exitCode, stdout: '', stderr: '', timedOut: false }),
});

let rootfs: string;
beforeEach(async () => {
  rootfs = await mkdtemp(path.join(os.tmpdir(), 'mesh-rootfs-'));
});
afterEach(() => rm(rootfs, { recursive: true, force: true }));

describe('checkMachineSupport', () => {
  it('names a missing systemd-nspawn and how to get it, in one line', async () => {
    const error = await checkMachineSupport(rootfs, runner(1)).catch((e: Error) => e);
    expect(error).toMatchObject({
      message: 'systemd-nspawn is not installed: systemd hosts cannot boot',
      hint: 'run bash scripts/install-tools.sh (it installs systemd-container)',
    });
  });

  it('names a missing root file system, then passes once it is there', async () => {
    await expect(checkMachineSupport(rootfs, runner(0))).rejects.toThrow(
      `no root file system for systemd hosts at ${rootfs}`,
    );
    await mkdir(path.join(rootfs, 'usr/lib/systemd'), { recursive: true });
    await writeFile(path.join(rootfs, 'usr/lib/systemd/systemd'), '');
    await expect(checkMachineSupport(rootfs, runner(0))).resolves.toBeUndefined();
  });
});
