import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { osName } from './os-name.js';
import { detectPlatform } from './platform.js';

const host = (name: string) =>
  fileURLToPath(new URL(`../__fixtures__/hosts/${name}`, import.meta.url));

describe('osName', () => {
  it.each([
    ['debian', {}, 'Debian GNU/Linux 12 (bookworm)'],
    ['ubuntu', {}, 'Ubuntu 22.04.4 LTS'],
    ['fedora', {}, 'Fedora Linux 39 (Workstation Edition)'],
    ['wsl1', { WSL_DISTRO_NAME: 'Ubuntu-20.04' }, 'Ubuntu 20.04.6 LTS (WSL 1)'],
    ['wsl2', { WSL_DISTRO_NAME: 'Ubuntu' }, 'Ubuntu 22.04.4 LTS (WSL 2)'],
  ])('names the recorded %s host %j as %s', async (name, env, expected) => {
    const info = await detectPlatform({ root: host(name), platform: 'linux', hostname: 'h', env });
    expect(osName(info)).toBe(expected);
  });

  it('keeps the coarse osType a Debian host had, for the code that keys on it', async () => {
    const info = await detectPlatform({ root: host('debian'), platform: 'linux', env: {} });
    expect(info.osType).toBe('ubuntu');
  });

  it('falls back on NAME and VERSION_ID, then ID, then Linux', () => {
    const distro = { id: 'alpine', idLike: [], name: 'Alpine Linux', versionId: '3.19', raw: {} };
    expect(osName({ os: 'linux', distro })).toBe('Alpine Linux 3.19');
    expect(osName({ os: 'linux', distro: { id: 'arch', idLike: [], raw: {} } })).toBe('arch');
    expect(osName({ os: 'linux' })).toBe('Linux');
  });

  it('names Windows and macOS, which have no os-release', async () => {
    expect(osName(await detectPlatform({ platform: 'win32', hostname: 'pc', env: {} }))).toBe(
      'Windows',
    );
    expect(osName(await detectPlatform({ platform: 'darwin', hostname: 'mac', env: {} }))).toBe(
      'macOS',
    );
    expect(osName({ os: 'unknown' })).toBe('unknown');
  });
});
