import {
  access,
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SshdConfigError } from '../errors.js';
import { ensureSshdPort, readSshdPorts, setSshdPort } from './sshd-config.js';

const fixture = (name: string) =>
  readFile(new URL(`../__fixtures__/files/${name}`, import.meta.url), 'utf8');
const SSHD = '/usr/sbin/sshd';
const haveSshd = await access(SSHD).then(
  () => true,
  () => false,
);

let root: string;
beforeAll(async () => {
  // sshd -t refuses to run without its privilege-separation directory (made by the ssh service).
  if (haveSshd && process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true });
  if (!haveSshd) console.warn('sshd not installed: sshd -t validation is not exercised for real');
});
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-sshd-'));
  await mkdir(path.join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const file = () => path.join(root, 'etc/ssh/sshd_config');

describe('setSshdPort', () => {
  it('puts Port 2222 right after the stock #Port 22 comment', async () => {
    const before = await fixture('sshd_config.ubuntu-22.04');
    const after = setSshdPort(before, 2222);
    expect(after).toBe(before.replace('#Port 22\n', '#Port 22\nPort 2222\n'));
  });

  it('keeps one Port line, comments out the others, never touches Match blocks', async () => {
    const before = await fixture('sshd_config.edited');
    const after = setSshdPort(before, 2222);
    expect(after.split('\n').slice(1, 5)).toEqual([
      'Port 2222',
      'HostKey /etc/ssh/ssh_host_ed25519_key',
      '# mesh: port=2200   # old alternate',
      'PasswordAuthentication no',
    ]);
    expect(after.slice(after.indexOf('\nMatch '))).toBe(before.slice(before.indexOf('\nMatch ')));
  });

  it('keeps the line already on the port and drops duplicates of it', () => {
    expect(setSshdPort('Port 22\nPort 2222\nPort 2222\n', 2222)).toBe(
      '# mesh: Port 22\nPort 2222\n# mesh: Port 2222\n',
    );
  });

  it('inserts before the first directive (and so before Match) when there is no Port at all', () => {
    expect(setSshdPort('# header\n\nMatch User x\n\tX11Forwarding no', 2222)).toBe(
      '# header\n\nPort 2222\nMatch User x\n\tX11Forwarding no',
    );
    expect(setSshdPort('', 2222)).toBe('Port 2222\n');
  });

  it('keeps CRLF endings', () => {
    expect(setSshdPort('#Port 22\r\nUsePAM yes\r\n', 2222)).toBe(
      '#Port 22\r\nPort 2222\r\nUsePAM yes\r\n',
    );
    expect(setSshdPort('PORT 22\r\n', 2222)).toBe('Port 2222\r\n');
  });
});

describe('ensureSshdPort on real files', () => {
  it('edits the Ubuntu default once (validated by sshd -t when present), then changes nothing', async () => {
    const original = await fixture('sshd_config.ubuntu-22.04');
    await writeFile(file(), original);
    await chmod(file(), 0o600);
    const first = await ensureSshdPort({ root });
    expect(first.changed).toBe(true);
    expect(first.validated).toBe(haveSshd);
    expect(first.backupPath).toBe(`${file()}.mesh-bak`);
    expect(await readFile(`${file()}.mesh-bak`, 'utf8')).toBe(original);
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await readSshdPorts({ root })).toEqual({
      ports: [2222],
      includedPorts: [],
      portsInMatch: [],
    });

    const bytes = await readFile(file());
    const second = await ensureSshdPort({ root });
    expect(second).toMatchObject({ changed: false, validated: false });
    expect(second.backupPath).toBeUndefined();
    expect(await readFile(file())).toEqual(bytes);
    expect((await readdir(path.join(root, 'etc/ssh'))).sort()).toEqual([
      'sshd_config',
      'sshd_config.d',
      'sshd_config.mesh-bak',
    ]);
  });

  it('handles duplicates, = syntax and a Match block; reports ports added by Include files', async () => {
    await writeFile(
      file(),
      `Include /etc/ssh/sshd_config.d/*.conf\n${await fixture('sshd_config.edited')}`,
    );
    await writeFile(path.join(root, 'etc/ssh/sshd_config.d/10-extra.conf'), 'Port 22\n');
    const r = await ensureSshdPort({ root, validate: false });
    expect(r.changed).toBe(true);
    expect(r.warnings).toEqual([
      '/etc/ssh/sshd_config.d/10-extra.conf adds Port 22; sshd listens on it too',
    ]);
    expect((await readSshdPorts({ root })).ports).toEqual([2222]);
    expect((await ensureSshdPort({ root, validate: false })).changed).toBe(false);
  });

  it.runIf(haveSshd)(
    'refuses a file sshd -t rejects and leaves the original untouched',
    async () => {
      const broken = 'Port 22\nNoSuchDirective yes\n';
      await writeFile(file(), broken);
      await expect(ensureSshdPort({ root })).rejects.toBeInstanceOf(SshdConfigError);
      expect(await readFile(file(), 'utf8')).toBe(broken);
      expect(await readdir(path.join(root, 'etc/ssh'))).toEqual(['sshd_config', 'sshd_config.d']);
    },
  );
});
