import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeMachine, meshFailure } from '../../test/fake-machine.js';
import {
  fakeRunner,
  HAVE_SSHD,
  probe,
  reported,
  snapshot,
  wslContext,
  wslRoot,
} from '../../test/wsl-root.js';
import type { MeshContext } from '../context.js';
import { wslSetupSsh } from './wsl-setup.js';

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIDT9s9kOLRE9hfkhmhtO0BNkUpPROfks7qnWofLZUmWx';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAimcHFbHZZH8e0JE+3/AEVdjiVTtjGbCWFBZGS0awIm';
const present = new Set(['tailscale', 'tailscaled', 'syncthing']);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-wsl-ssh-'));
  // The home wslContext names: the key files go in it, and a missing one is refused.
  await mkdir(path.join(root, 'home'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A Windows user's `.ssh` as /mnt sees it, with a private key that must never be read. */
async function windowsSsh(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  await writeFile(path.join(dir, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n');
}

describe('mesh wsl setup-ssh, against a recorded WSL2 root', () => {
  it("sets sshd to 2222 and copies the Windows user's keys once; a second run changes nothing", async () => {
    await wslRoot(root);
    await mkdir(path.join(root, 'mnt/c/Users/Public'), { recursive: true });
    await windowsSsh(path.join(root, 'mnt/c/Users/Jane/.ssh'), {
      authorized_keys: `ssh-ed25519 ${ED} jane@windows\r\n`,
      'id_ed25519.pub': `ssh-ed25519 ${K2} jane@desktop\r\n`,
    });
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    const first = await wslSetupSsh(ctx, { validateSshd: HAVE_SSHD });
    expect(first.sshd.status).toBe('changed');
    expect(first.changes).toEqual([
      'set Port 2222 in /etc/ssh/sshd_config',
      expect.stringMatching(
        /^added ssh-ed25519 SHA256:\S+ \(jane@windows\) from C:\\Users\\Jane\\\.ssh$/,
      ),
      expect.stringMatching(
        /^added ssh-ed25519 SHA256:\S+ \(jane@desktop\) from C:\\Users\\Jane\\\.ssh$/,
      ),
    ]);
    // No systemd in this root: the restart is the user's, said exactly.
    expect(first.manual.join('\n')).toContain('sudo service ssh restart');
    const keys = path.join(root, 'home/.ssh/authorized_keys');
    expect(await readFile(keys, 'utf8')).toBe(
      [
        '# mesh-managed: keys from Windows user Jane',
        `ssh-ed25519 ${ED} jane@windows`,
        `ssh-ed25519 ${K2} jane@desktop`,
        '# end mesh-managed: keys from Windows user Jane',
        '',
      ].join('\n'),
    );
    expect(first.windowsKeys).toMatchObject({ source: 'C:\\Users\\Jane\\.ssh', present: 0 });

    const ssh = await snapshot(path.join(root, 'etc/ssh'));
    const home = await snapshot(path.join(root, 'home/.ssh'));
    const second = await wslSetupSsh(ctx, {
      validateSshd: HAVE_SSHD,
      sshdListens: async () => true,
    });
    expect(second.changed).toBe(false);
    expect(second.changes).toEqual([]);
    expect(await snapshot(path.join(root, 'etc/ssh'))).toEqual(ssh);
    expect(await snapshot(path.join(root, 'home/.ssh'))).toEqual(home);
    expect(reported(ctx)).toContain(`OK: ${keys} has the Windows user's keys already (2)`);
  });

  it('asks Windows for the profile when interop works (any drive, any folder)', async () => {
    await wslRoot(root);
    await windowsSsh(path.join(root, 'mnt/d/Profiles/jane/.ssh'), {
      'id_ed25519.pub': `ssh-ed25519 ${K2} jane@desktop\n`,
    });
    const base = await wslContext(root, fakeRunner({ sh: probe(present) }));
    const wsl = { ...(base.platform.wsl as NonNullable<MeshContext['platform']['wsl']>) };
    const ctx: MeshContext = {
      ...base,
      platform: { ...base.platform, wsl: { ...wsl, interop: true } },
    };
    const windowsRunner = fakeRunner({
      'powershell.exe': (args) =>
        args.some((a) => a.endsWith('$env:USERPROFILE'))
          ? { stdout: 'D:\\Profiles\\jane\r\n' }
          : { exitCode: 1 },
    });
    const r = await wslSetupSsh(ctx, {
      validateSshd: false,
      sshdListens: async () => true,
      windowsRunner,
    });
    expect(r.windowsKeys?.source).toBe('D:\\Profiles\\jane\\.ssh');
    expect(r.windowsKeys?.added.map((k) => k.comment)).toEqual(['jane@desktop']);
    expect(await readFile(path.join(root, 'home/.ssh/authorized_keys'), 'utf8')).toContain(
      '# mesh-managed: keys from Windows user jane\n',
    );
  });

  it('says when Windows keys cannot be reached and goes on; --no-copy-keys skips them', async () => {
    await wslRoot(root);
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    const r = await wslSetupSsh(ctx, { validateSshd: false });
    expect(r.sshd.status).toBe('changed');
    expect(r.windowsKeys).toEqual({
      source: null,
      reason: '/mnt/c/Users cannot be read (is C: mounted in WSL?)',
      file: null,
      added: [],
      present: 0,
    });
    expect(reported(ctx)).toContain(
      'WARN: Windows keys not copied: /mnt/c/Users cannot be read (is C: mounted in WSL?) (mesh ssh add-key FILE adds one by hand)',
    );
    // Two Windows users with keys: the one named like the Linux user, else neither.
    for (const name of ['Ann', 'Bob']) {
      await windowsSsh(path.join(root, `mnt/c/Users/${name}/.ssh`), {
        'id_ed25519.pub': `ssh-ed25519 ${name === 'Ann' ? ED : K2} ${name}\n`,
      });
    }
    const quiet = { validateSshd: false, sshdListens: async () => true };
    expect((await wslSetupSsh(ctx, quiet)).windowsKeys?.reason).toBe(
      'several Windows users have keys (Ann, Bob) and Windows could not be asked which one is you',
    );
    const bob = await wslSetupSsh({ ...ctx, env: { ...ctx.env, USER: 'bob' } }, quiet);
    expect(bob.windowsKeys?.source).toBe('C:\\Users\\Bob\\.ssh');
    await rm(path.join(root, 'home/.ssh'), { recursive: true });
    const skip = await wslSetupSsh(ctx, {
      validateSshd: false,
      sshdListens: async () => true,
      copyKeys: false,
    });
    expect(skip.windowsKeys).toBeNull();
    expect(existsSync(path.join(root, 'home/.ssh'))).toBe(false);
  });

  it('refuses another port, Windows itself and machines that are not WSL, changing nothing', async () => {
    await wslRoot(root);
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    const sshd = await snapshot(path.join(root, 'etc/ssh'));
    const port = await meshFailure(wslSetupSsh(ctx, { port: 2200 }), 'badInput');
    expect(port.message).toBe(
      "--port 2200: WSL2's sshd listens on 2222, the port every part of mesh uses",
    );
    expect(await snapshot(path.join(root, 'etc/ssh'))).toEqual(sshd);
    const windows: MeshContext = {
      ...ctx,
      platform: { ...ctx.platform, os: 'windows', osType: 'windows' },
    };
    expect((await meshFailure(wslSetupSsh(windows), 'badInput')).hint).toBe(
      'open the distro (wsl) and run there: sudo mesh wsl setup-ssh',
    );
    const linux = await fakeMachine();
    try {
      const e = await meshFailure(wslSetupSsh(await linux.context()), 'badInput');
      expect(e.message).toMatch(/^mesh wsl setup-ssh is for a WSL2 distro; this machine is /);
    } finally {
      await linux.remove();
    }
  });
});
