import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, meshFailure } from '../../test/fake-machine.js';
import { addSshKey } from './add-key.js';
import { keysHome } from './local-keys.js';

// Real public keys made with ssh-keygen (their private halves were deleted).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIDT9s9kOLRE9hfkhmhtO0BNkUpPROfks7qnWofLZUmWx';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAimcHFbHZZH8e0JE+3/AEVdjiVTtjGbCWFBZGS0awIm';
const FP_K2 = 'SHA256:zgoFFp1+NCpdmqC1efmFG6WSme3lmM7VFje/NolMu50';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

describe('mesh ssh add-key', () => {
  it('adds a key line once, 0700/0600, keeping every other byte; a second run changes nothing', async () => {
    machine = await fakeMachine();
    const ctx = await machine.context();
    const file = path.join(machine.home, '.ssh/authorized_keys');
    await mkdir(path.dirname(file), { mode: 0o755 });
    const mine = `# mine\r\nno-pty ssh-ed25519 ${ED} laptop`;
    await writeFile(file, mine, { mode: 0o644 });

    const r = await addSshKey(ctx, { key: `ssh-ed25519 ${K2} k2` });
    expect(r).toEqual({
      changed: true,
      changes: [`added ssh-ed25519 ${FP_K2} (k2) to ${file}`],
      file,
      key: { type: 'ssh-ed25519', fingerprint: FP_K2, comment: 'k2' },
    });
    expect(await readFile(file, 'utf8')).toBe(`${mine}\r\nssh-ed25519 ${K2} k2\r\n`);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const tree = await machine.tree();
    const again = await addSshKey(ctx, { key: `ssh-ed25519 ${K2} k2`, comment: 'other name' });
    expect(again.changed).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(`${mine}\r\nssh-ed25519 ${K2} k2\r\n`);
    expect(await machine.tree()).toEqual(tree);
  });

  it('reads a .pub file (relative to cwd) and --comment replaces its comment', async () => {
    machine = await fakeMachine();
    const ctx = await machine.context();
    await writeFile(path.join(machine.root, 'k2.pub'), `ssh-ed25519 ${K2} k2@pc\n`);
    const r = await addSshKey(ctx, { key: 'k2.pub', comment: 'ci runner', cwd: machine.root });
    expect(r.key.comment).toBe('ci runner');
    expect(await readFile(r.file, 'utf8')).toBe(`ssh-ed25519 ${K2} ci runner\n`);
  });

  it('refuses private keys, non-keys and files of many keys with one line, writing nothing', async () => {
    machine = await fakeMachine();
    const ctx = await machine.context();
    const dir = machine.root;
    const secret =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n';
    await writeFile(path.join(dir, 'id_ed25519'), secret);
    await writeFile(path.join(dir, 'id_ed25519.pub'), `ssh-ed25519 ${K2}\n`);
    await writeFile(path.join(dir, 'two.pub'), `ssh-ed25519 ${K2} a\nssh-ed25519 ${ED} b\n`);
    await writeFile(path.join(dir, 'bad.pub'), `ssh-rsa ${K2} a\n`);
    const before = await machine.tree();
    const fail = (key: string, comment?: string) =>
      meshFailure(
        addSshKey(ctx, { key, cwd: dir, ...(comment === undefined ? {} : { comment }) }),
        'badInput',
      );

    const inline = await fail(secret);
    expect(inline.message).toBe('That is a private key, which must never leave its machine');
    expect(inline.message).not.toContain('b3Blbn');
    const file = await fail('id_ed25519');
    expect(file.message).toBe(
      `${path.join(dir, 'id_ed25519')} is a private key, which must never leave its machine`,
    );
    expect(file.hint).toBe(`give its public half instead: ${path.join(dir, 'id_ed25519.pub')}`);
    expect((await fail(`ssh-ed25519 ${K2.slice(0, 40)} x`)).message).toBe(
      'Not an OpenSSH public key: its body is not a whole OpenSSH key (cut short?)',
    );
    expect((await fail('two.pub')).message).toBe(
      `${path.join(dir, 'two.pub')} holds 2 keys; mesh ssh add-key adds one`,
    );
    expect((await fail('bad.pub')).message).toBe(
      `${path.join(dir, 'bad.pub')} is not an OpenSSH public key: its body is a ssh-ed25519 key, not ssh-rsa`,
    );
    expect((await fail('nothere.pub')).message).toBe(
      `${path.join(dir, 'nothere.pub')} does not exist, and nothere.pub is not a public key either`,
    );
    expect((await fail(`ssh-ed25519 ${K2}`, 'two\nlines')).message).toBe(
      '--comment must be one line',
    );
    expect(await machine.tree()).toEqual(before);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "as root through sudo, edits the sudo user's keys, not root's",
    async () => {
      machine = await fakeMachine();
      const ctx = await machine.context();
      expect(await keysHome(ctx)).toBe(machine.home);
      // nobody is in every /etc/passwd; its home is /nonexistent.
      expect(await keysHome({ ...ctx, env: { ...ctx.env, SUDO_USER: 'nobody' } })).toBe(
        '/nonexistent',
      );
      expect(await keysHome({ ...ctx, env: { ...ctx.env, SUDO_USER: 'root' } })).toBe(machine.home);
    },
  );
});
