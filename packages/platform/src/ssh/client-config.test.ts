import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSshHostBlock, setSshHostBlock, writeSshHostBlock } from './client-config.js';

const wsl = { name: 'wsl', hostName: '100.64.0.2', port: 2222, user: 'dev' };
const BLOCK = [
  '# mesh-managed: wsl',
  'Host wsl',
  '  HostName 100.64.0.2',
  '  Port 2222',
  '  User dev',
  '# end mesh-managed: wsl',
  '',
].join('\n');

describe('ssh client config blocks', () => {
  it('appends a block, replaces it in place, removes it, and leaves every other byte', () => {
    const user = '\uFEFFHost github.com\r\n  User git\r\n# mine';
    const added = setSshHostBlock(user, 'wsl', wsl);
    // The file's own CRLF is kept for new lines, and its last line is terminated first.
    expect(added).toBe(`${user}\r\n${BLOCK.replaceAll('\n', '\r\n')}`);
    expect(hasSshHostBlock(added, 'wsl')).toBe(true);
    const tail = `${added}Host after\r\n`;
    const moved = setSshHostBlock(tail, 'wsl', { ...wsl, hostName: '100.64.0.9' });
    expect(moved).toBe(tail.replace('100.64.0.2', '100.64.0.9'));
    expect(setSshHostBlock(moved, 'wsl', wsl)).toBe(tail);
    expect(setSshHostBlock(tail, 'wsl', undefined)).toBe(`${user}\r\nHost after\r\n`);
    expect(setSshHostBlock(tail, 'other', undefined)).toBe(tail);
    expect(setSshHostBlock('', 'wsl', wsl)).toBe(BLOCK);
  });

  it('refuses a block whose end marker is gone', () => {
    expect(() => setSshHostBlock('# mesh-managed: wsl\nHost wsl\n', 'wsl', wsl)).toThrow(
      /without "# end mesh-managed: wsl"/,
    );
  });

  it('writes ~/.ssh/config atomically, 0700 and 0600, and a second run changes nothing', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'ssh-home-'));
    expect(await writeSshHostBlock('wsl', wsl, { home })).toEqual({
      changed: true,
      path: path.join(home, '.ssh/config'),
    });
    expect(await readFile(path.join(home, '.ssh/config'), 'utf8')).toBe(BLOCK);
    expect((await stat(path.join(home, '.ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(home, '.ssh/config'))).mode & 0o777).toBe(0o600);
    expect((await writeSshHostBlock('wsl', wsl, { home })).changed).toBe(false);
    await writeFile(path.join(home, '.ssh/config'), `Host x\n${BLOCK}`, { mode: 0o644 });
    expect((await writeSshHostBlock('wsl', undefined, { home })).changed).toBe(true);
    expect(await readFile(path.join(home, '.ssh/config'), 'utf8')).toBe('Host x\n');
    expect((await stat(path.join(home, '.ssh/config'))).mode & 0o777).toBe(0o600);
  });
});
