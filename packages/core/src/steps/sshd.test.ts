import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRunner, parseOsRelease, type ServiceManager } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRunner, HAVE_SSHD, probe, wslContext, wslRoot } from '../../test/wsl-root.js';
import { isMeshError } from '../errors.js';
import { ensureWslSshdStep, sshdUnit } from './sshd.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-sshd-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ensureWslSshdStep, against a recorded WSL2 root', () => {
  const present = new Set(['tailscale', 'tailscaled', 'syncthing']);

  it.skipIf(!HAVE_SSHD)(
    'a sshd_config that sshd -t rejects fails the step and stays as it was',
    async () => {
      await wslRoot(root);
      const bad = 'NoSuchDirective yes\n#Port 22\n';
      await writeFile(path.join(root, 'etc/ssh/sshd_config'), bad);
      const ctx = await wslContext(root, createRunner());
      const error = await ensureWslSshdStep(ctx, { validateSshd: true }).catch((e: unknown) => e);
      expect(isMeshError(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/sshd -t rejected/);
      expect(await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8')).toBe(bad);
      expect(existsSync(path.join(root, 'etc/ssh/sshd_config.mesh-bak'))).toBe(false);
    },
  );

  it('restarts sshd whose file says 2222 while nothing listens there (never restarted)', async () => {
    await wslRoot(root, { systemd: true });
    const restarted: string[] = [];
    const sm = { restart: async (name: string) => void restarted.push(name) } as ServiceManager;
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    await ensureWslSshdStep(ctx, { serviceManager: sm, validateSshd: false });
    const sshd = await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
    const r = await ensureWslSshdStep(ctx, {
      serviceManager: sm,
      validateSshd: false,
      sshdListens: async () => false,
    });
    expect(restarted).toEqual(['ssh', 'ssh']);
    expect(r.changes).toEqual(['restarted ssh']);
    expect(await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8')).toBe(sshd);
  });
});

describe('sshdUnit', () => {
  it.each([
    ['ID=ubuntu\nID_LIKE=debian\n', 'ssh'],
    ['ID=debian\n', 'ssh'],
    ['ID=pop\nID_LIKE="ubuntu debian"\n', 'ssh'],
    ['ID=fedora\n', 'sshd'],
    ['ID=arch\n', 'sshd'],
    ['ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n', 'sshd'],
  ])('os-release %j: %s', (osRelease, unit) => {
    expect(sshdUnit(parseOsRelease(osRelease))).toBe(unit);
  });

  it('is ssh when the distro is unknown (the WSL2 default, Ubuntu)', () => {
    expect(sshdUnit(undefined)).toBe('ssh');
  });
});
