import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureWslSystemd, iniValue, readWslSystemd, setIniValue } from './wsl-conf.js';

const fixture = (name: string) =>
  readFile(new URL(`../__fixtures__/files/${name}`, import.meta.url), 'utf8');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-wslconf-'));
  await mkdir(path.join(root, 'etc'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function writeConf(content: string, mode = 0o644) {
  const file = path.join(root, 'etc/wsl.conf');
  await writeFile(file, content);
  await chmod(file, mode);
  return file;
}

describe('setIniValue', () => {
  it('adds systemd=true to an existing [boot] and keeps every other line', async () => {
    const before = await fixture('wsl.conf.default');
    const after = setIniValue(before, 'boot', 'systemd', 'true');
    expect(after).toBe(`${before}systemd=true\n`);
    expect(iniValue(after, 'boot', 'command')).toBe('service docker start; service ssh start');
  });

  it('appends a [boot] section when missing, after a blank line', () => {
    expect(setIniValue('[network]\nhostname = x', 'boot', 'systemd', 'true')).toBe(
      '[network]\nhostname = x\n\n[boot]\nsystemd=true\n',
    );
    expect(setIniValue('', 'boot', 'systemd', 'true')).toBe('[boot]\nsystemd=true\n');
  });

  it('inserts inside [boot] when another section follows, before trailing blank lines', () => {
    const before = '[boot]\ncommand=x\n\n[user]\ndefault=u\n';
    expect(setIniValue(before, 'boot', 'systemd', 'true')).toBe(
      '[boot]\ncommand=x\nsystemd=true\n\n[user]\ndefault=u\n',
    );
  });

  it('rewrites every duplicate in place, keeping spacing and comments', () => {
    const before = '[boot]\nsystemd = false  # off for now\n# systemd=false\n[Boot]\nSystemd=0\n';
    expect(setIniValue(before, 'boot', 'systemd', 'true')).toBe(
      '[boot]\nsystemd = true  # off for now\n# systemd=false\n[Boot]\nSystemd=true\n',
    );
  });

  it('keeps CRLF endings and a BOM', () => {
    const before = '\uFEFF# win\r\n[boot]\r\ncommand=x\r\n';
    expect(setIniValue(before, 'boot', 'systemd', 'true')).toBe(
      '\uFEFF# win\r\n[boot]\r\ncommand=x\r\nsystemd=true\r\n',
    );
  });
});

describe('ensureWslSystemd on a real file', () => {
  it('edits once with a backup, then is byte-identical with no new backup', async () => {
    const original = await fixture('wsl.conf.default');
    const file = await writeConf(original, 0o640);
    expect(await readWslSystemd({ root })).toEqual({ exists: true, enabled: false });

    const first = await ensureWslSystemd({ root });
    expect(first.changed).toBe(true);
    expect(first.backupPath).toBe(`${file}.mesh-bak`);
    expect(await readFile(`${file}.mesh-bak`, 'utf8')).toBe(original);
    const edited = await readFile(file);
    expect(edited.toString()).toBe(`${original}systemd=true\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readWslSystemd({ root })).toMatchObject({ enabled: true, value: 'true' });

    const backupTime = (await stat(`${file}.mesh-bak`)).mtimeMs;
    const second = await ensureWslSystemd({ root });
    expect(second.changed).toBe(false);
    expect(second.backupPath).toBeUndefined();
    expect(await readFile(file)).toEqual(edited);
    expect((await stat(`${file}.mesh-bak`)).mtimeMs).toBe(backupTime);
    expect((await readdir(path.join(root, 'etc'))).sort()).toEqual([
      'wsl.conf',
      'wsl.conf.mesh-bak',
    ]);
  });

  it('creates the file when missing (no backup) and handles CRLF files', async () => {
    const created = await ensureWslSystemd({ root });
    expect(created).toMatchObject({ changed: true, content: '[boot]\nsystemd=true\n' });
    expect(created.backupPath).toBeUndefined();

    await writeConf('[network]\r\ngenerateResolvConf = false\r\n');
    await ensureWslSystemd({ root });
    const crlf = await readFile(path.join(root, 'etc/wsl.conf'), 'utf8');
    expect(crlf).toBe('[network]\r\ngenerateResolvConf = false\r\n\r\n[boot]\r\nsystemd=true\r\n');
    expect((await ensureWslSystemd({ root })).changed).toBe(false);
  });

  it('dry run reports the change and writes nothing', async () => {
    await writeConf('[boot]\nsystemd=false\n');
    const r = await ensureWslSystemd({ root, dryRun: true });
    expect(r).toMatchObject({ changed: true, content: '[boot]\nsystemd=true\n' });
    expect(await readFile(path.join(root, 'etc/wsl.conf'), 'utf8')).toBe('[boot]\nsystemd=false\n');
  });
});
