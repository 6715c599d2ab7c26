import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from './runner.js';
import { lookupUser, parsePasswd, runAsPrefix } from './users.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment',
  'broken line',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  'bad:x:notanumber:1:::',
  '',
].join('\n');

describe('users', () => {
  it('reads accounts from passwd text, skipping what is not one', () => {
    expect(parsePasswd(PASSWD)).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' },
    ]);
  });

  it('finds a user in the file, then asks getent, and answers undefined for nobody', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'users-'));
    const passwdFile = path.join(dir, 'passwd');
    await writeFile(passwdFile, PASSWD);
    const asked: string[] = [];
    const runner: Runner = {
      prefix: [],
      run: async (file, args) => {
        asked.push([file, ...args].join(' '));
        const known = args[1] === 'ldapuser';
        return {
          command: '',
          exitCode: known ? 0 : 2,
          stdout: known ? 'ldapuser:*:5000:5000::/home/ldapuser:/bin/sh' : '',
          stderr: '',
          timedOut: false,
        };
      },
    };
    expect(await lookupUser('alice', { passwdFile, runner })).toMatchObject({ uid: 1000 });
    expect(asked).toEqual([]);
    expect(await lookupUser('ldapuser', { passwdFile, runner })).toMatchObject({ uid: 5000 });
    expect(await lookupUser('nobody-here', { passwdFile, runner })).toBeUndefined();
    expect(await lookupUser('nobody-here', { passwdFile })).toBeUndefined();
  });

  it('drops to a user with setpriv, which execs in place', () => {
    expect(runAsPrefix({ uid: 1000, gid: 1001 })).toEqual([
      'setpriv',
      '--reuid=1000',
      '--regid=1001',
      '--init-groups',
      '--',
    ]);
  });
});
