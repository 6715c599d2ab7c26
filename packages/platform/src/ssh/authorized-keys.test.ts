import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addAuthorizedKey,
  checkPublicKey,
  formatPublicKey,
  type PublicKey,
  parseAuthorizedKeys,
  publicKeyFingerprint,
  setAuthorizedKeysBlock,
  writeAuthorizedKeys,
} from './authorized-keys.js';

// Real public keys made with ssh-keygen (their private halves were deleted).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIDT9s9kOLRE9hfkhmhtO0BNkUpPROfks7qnWofLZUmWx';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAimcHFbHZZH8e0JE+3/AEVdjiVTtjGbCWFBZGS0awIm';
const K3 = 'AAAAC3NzaC1lZDI1NTE5AAAAINwIb+CvhGIviopX/TMA+OOAWzjlBTlnA+kKBkpYxugx';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBO7++ElR3EKs/81Nho4IkDd7LenOrvdVFADGJfy9Wpo7P5h8w81XG6LhdFGNf6jUsLdnYU5+f8/RsvijprMdrlE=';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNyRo+qKN5xxXvU3DcEn/NvJdWN1cEcErUkgQHzZwogCUykvkdx5AesYn8WzmN+72CvQXTFZLQfyhdmT5iR6+JuveVOGqCcDYDA7jcMjtm0GUOeNiLe35hLvXlT5mnUtlBXRY7Ma5/rsnR0OAJQtmHPxdBzxO+7p2tStP/tYt7Fw==';

function key(line: string): PublicKey {
  const r = checkPublicKey(line);
  if (!('key' in r)) throw new Error(r.problem);
  return r.key;
}

describe('checkPublicKey', () => {
  it('reads type, body, comment and options, and gives the fingerprint ssh-keygen -l does', () => {
    expect(key(`ssh-ed25519 ${ED} ed25519@test`)).toEqual({
      options: '',
      type: 'ssh-ed25519',
      body: ED,
      comment: 'ed25519@test',
    });
    expect(publicKeyFingerprint(key(`ssh-ed25519 ${ED}`))).toBe(
      'SHA256:pENTXSRA4nz0AqEi6i+QAsGsX3c5khPu8aolNZ1fr/s',
    );
    expect(publicKeyFingerprint(key(`ecdsa-sha2-nistp256 ${ECDSA} e`))).toBe(
      'SHA256:qRvBPyFrMGsuwhTyuNm8JfcJfDHHBefScfuTbmN2Iy4',
    );
    expect(key(`  ssh-rsa ${RSA}  two  words \r`).comment).toBe('two  words');
    const restricted = key(`from="10.0.0.1",command="echo a b",no-pty ssh-ed25519 ${K2} ci`);
    expect(restricted).toMatchObject({
      options: 'from="10.0.0.1",command="echo a b",no-pty',
      type: 'ssh-ed25519',
      comment: 'ci',
    });
    expect(formatPublicKey(restricted)).toBe(
      `from="10.0.0.1",command="echo a b",no-pty ssh-ed25519 ${K2} ci`,
    );
  });

  it('says why a line is not a key, without quoting anything long', () => {
    const problem = (line: string) => {
      const r = checkPublicKey(line);
      return 'problem' in r ? r.problem : 'valid';
    };
    expect(problem('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r\n')).toBe(
      'it is a private key',
    );
    expect(problem('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none')).toBe(
      'it is a private key',
    );
    expect(problem(`ssh-ed2551 ${ED}`)).toBe(
      'it starts with "ssh-ed2551", not a key type (ssh-ed25519, ecdsa-sha2-..., sk-..., ssh-rsa)',
    );
    expect(problem(`${ED}${ED}`)).toMatch(/^it starts with something else, not a key type/);
    expect(problem('ssh-ed25519')).toBe('it has no key after ssh-ed25519');
    expect(problem('ssh-ed25519 not*base64')).toBe('its body is not valid base64');
    expect(problem(`ssh-ed25519 ${ED.slice(0, 40)}`)).toBe(
      'its body is not a whole OpenSSH key (cut short?)',
    );
    expect(problem(`ssh-rsa ${RSA.slice(0, 100)}`)).toBe(
      'its body is not a whole OpenSSH key (cut short?)',
    );
    expect(problem('ssh-ed25519 AAAA')).toBe('its body is not an OpenSSH key (cut short?)');
    expect(problem(`ssh-rsa ${ED}`)).toBe('its body is a ssh-ed25519 key, not ssh-rsa');
    expect(problem('# a comment')).toBe('it is empty');
  });
});

describe('authorized_keys edits', () => {
  const user = `\uFEFF# mine\r\nno-pty ssh-ed25519 ${ED} laptop\r\n\r\nssh-rsa ${RSA} old`;

  it('appends a key once, by body whatever its comment, keeping every other byte', () => {
    const added = addAuthorizedKey(user, key(`ssh-ed25519 ${K2} k2`));
    expect(added).toEqual({ text: `${user}\r\nssh-ed25519 ${K2} k2\r\n`, added: true });
    expect(addAuthorizedKey(added.text, key(`ssh-ed25519 ${K2} another name`))).toEqual({
      text: added.text,
      added: false,
    });
    expect(addAuthorizedKey(user, key(`ssh-ed25519 ${ED}`)).added).toBe(false);
    expect(addAuthorizedKey('', key(`ssh-ed25519 ${K3} k3`)).text).toBe(`ssh-ed25519 ${K3} k3\n`);
    expect(parseAuthorizedKeys(`${user}\nnonsense here\n`)).toMatchObject({
      keys: [{ body: ED }, { body: RSA }],
      invalid: 1,
    });
  });

  it('merges into its own block, replaces only that block, and a second run changes nothing', () => {
    const from = [key(`ssh-ed25519 ${ED} same-as-mine`), key(`ssh-ed25519 ${K2} k2`)];
    const merged = setAuthorizedKeysBlock(user, 'keys from hub', from, 'merge');
    const block = [
      '# mesh-managed: keys from hub',
      `ssh-ed25519 ${K2} k2`,
      '# end mesh-managed: keys from hub',
      '',
    ].join('\r\n');
    // The key the user has already is not copied: it stays theirs.
    expect(merged.text).toBe(`${user}\r\n${block}`);
    expect(merged.added.map((k) => k.body)).toEqual([K2]);
    expect(merged.present.map((k) => k.body)).toEqual([ED]);
    expect(setAuthorizedKeysBlock(merged.text, 'keys from hub', from, 'merge').text).toBe(
      merged.text,
    );

    const tail = `${merged.text}ssh-ed25519 ${K3} added later\r\n`;
    const more = setAuthorizedKeysBlock(
      tail,
      'keys from hub',
      [key(`ecdsa-sha2-nistp256 ${ECDSA} e`)],
      'merge',
    );
    expect(more.text).toBe(
      tail.replace(`${K2} k2\r\n`, `${K2} k2\r\necdsa-sha2-nistp256 ${ECDSA} e\r\n`),
    );

    // Replace: the block becomes exactly what was given; outside it nothing moves.
    const replaced = setAuthorizedKeysBlock(
      more.text,
      'keys from hub',
      [key(`no-agent-forwarding ssh-ed25519 ${K2} k2 renamed`)],
      'replace',
    );
    expect(replaced.text).toBe(
      tail.replace(
        `ssh-ed25519 ${K2} k2\r\n`,
        `no-agent-forwarding ssh-ed25519 ${K2} k2 renamed\r\n`,
      ),
    );
    expect(replaced.removed.map((k) => k.type)).toEqual(['ecdsa-sha2-nistp256']);
    expect(replaced.added).toEqual([]);
    const again = setAuthorizedKeysBlock(
      replaced.text,
      'keys from hub',
      [key(`no-agent-forwarding ssh-ed25519 ${K2} k2 renamed`)],
      'replace',
    );
    expect(again.text).toBe(replaced.text);
    // Nothing left for the block: it goes, markers and all; the user's lines stay.
    expect(setAuthorizedKeysBlock(replaced.text, 'keys from hub', [], 'replace').text).toBe(
      `${user}\r\nssh-ed25519 ${K3} added later\r\n`,
    );
    expect(setAuthorizedKeysBlock(user, 'keys from hub', [], 'merge').text).toBe(user);
    expect(setAuthorizedKeysBlock(user, 'keys from other', from, 'replace').removed).toEqual([]);
  });

  it('refuses a block whose end marker is gone', () => {
    expect(() =>
      setAuthorizedKeysBlock('# mesh-managed: keys from hub\n', 'keys from hub', [], 'merge'),
    ).toThrow(/without "# end mesh-managed: keys from hub"/);
  });

  it('writes ~/.ssh/authorized_keys atomically, 0700 and 0600, with a backup only when asked', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'keys-home-'));
    const file = path.join(home, '.ssh/authorized_keys');
    expect(await writeAuthorizedKeys('', { home })).toEqual({ changed: false, path: file });
    expect(await readdir(home)).toEqual([]);
    const one = `ssh-ed25519 ${ED} a\n`;
    expect(await writeAuthorizedKeys(one, { home })).toEqual({ changed: true, path: file });
    expect(await readFile(file, 'utf8')).toBe(one);
    expect((await stat(path.join(home, '.ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writeFile(file, one, { mode: 0o644 });
    expect((await writeAuthorizedKeys(one, { home })).changed).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const w = await writeAuthorizedKeys('', { home, backup: 'mesh-bak' });
    expect(w).toEqual({ changed: true, path: file, backupPath: `${file}.mesh-bak` });
    expect(await readFile(`${file}.mesh-bak`, 'utf8')).toBe(one);
    expect((await stat(`${file}.mesh-bak`)).mode & 0o777).toBe(0o600);
    // A home that is not there is a wrong HOME, never created.
    await expect(writeAuthorizedKeys(one, { home: path.join(home, 'gone') })).rejects.toThrow(
      'the home folder does not exist',
    );
  });
});
