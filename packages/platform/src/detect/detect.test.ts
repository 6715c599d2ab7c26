import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './os-release.js';
import { detectPlatform, wslVersionFromKernel } from './platform.js';
import { detectRole } from './role.js';

const host = (name: string) =>
  fileURLToPath(new URL(`../__fixtures__/hosts/${name}`, import.meta.url));
const none = { server: [], wsl2: [], windows: [] };

describe('detectPlatform on recorded hosts', () => {
  it('Ubuntu 22.04 server with systemd', async () => {
    const info = await detectPlatform({
      root: host('ubuntu'),
      platform: 'linux',
      hostname: 'Hub',
      env: { MESH_SERVER_HOSTNAMES: 'hub, other' },
    });
    expect(info).toMatchObject({ os: 'linux', osType: 'ubuntu', systemd: true, role: 'server' });
    expect(info.distro).toMatchObject({
      id: 'ubuntu',
      idLike: ['debian'],
      versionId: '22.04',
      versionCodename: 'jammy',
    });
    expect(info.wsl).toBeUndefined();
    expect(info.ports).toEqual({
      syncthingGui: 8384,
      syncthingSync: 22000,
      ssh: 22,
      headscale: 8080,
      derpStun: 3478,
      wireguard: 41641,
      packages: 8091,
      vouch: 874,
    });
  });

  it('Debian 12, unconfigured: role unknown with the default ports', async () => {
    const info = await detectPlatform({
      root: host('debian'),
      platform: 'linux',
      hostname: 'box',
      env: {},
    });
    expect(info).toMatchObject({
      osType: 'ubuntu',
      role: 'unknown',
      distro: { id: 'debian', versionId: '12' },
    });
    expect(info.ports.syncthingGui).toBe(8384);
  });

  it('Fedora 39 reads /usr/lib/os-release when /etc has none', async () => {
    const info = await detectPlatform({
      root: host('fedora'),
      platform: 'linux',
      hostname: 'f',
      env: {},
    });
    expect(info.distro).toMatchObject({
      id: 'fedora',
      versionId: '39',
      versionCodename: '',
      prettyName: 'Fedora Linux 39 (Workstation Edition)',
    });
    expect(info.wsl).toBeUndefined();
  });

  it('WSL1: Microsoft kernel, no systemd, interop on, still the wsl2 OS type and role', async () => {
    const info = await detectPlatform({
      root: host('wsl1'),
      platform: 'linux',
      hostname: 'pc',
      env: { WSL_DISTRO_NAME: 'Ubuntu-20.04' },
    });
    expect(info.wsl).toMatchObject({ version: 1, distro: 'Ubuntu-20.04', interop: true });
    expect(info).toMatchObject({ osType: 'wsl2', systemd: false, role: 'wsl2' });
    expect(info.distro?.versionId).toBe('20.04');
  });

  it('WSL2 with systemd (WSLInterop-late); shared hostname resolved by OS type', async () => {
    const info = await detectPlatform({
      root: host('wsl2'),
      platform: 'linux',
      hostname: 'PC',
      env: { WSL_DISTRO_NAME: 'Ubuntu', MESH_WSL2_HOSTNAMES: 'pc', MESH_WINDOWS_HOSTNAMES: 'pc' },
    });
    expect(info.wsl).toMatchObject({ version: 2, distro: 'Ubuntu', interop: true });
    expect(info).toMatchObject({ osType: 'wsl2', systemd: true, role: 'wsl2' });
    expect(info.ports).toEqual({
      syncthingGui: 8385,
      syncthingSync: 22001,
      ssh: 2222,
      headscale: 8080,
      derpStun: 3478,
      wireguard: 41641,
      packages: 8091,
      vouch: 874,
    });
  });

  it('Windows (environment only): the same hostname gives the windows role', async () => {
    const info = await detectPlatform({
      platform: 'win32',
      hostname: 'PC',
      env: {
        COMPUTERNAME: 'PC',
        LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local',
        MESH_WSL2_HOSTNAMES: 'pc',
        MESH_WINDOWS_HOSTNAMES: 'pc',
      },
    });
    expect(info).toMatchObject({
      os: 'windows',
      osType: 'windows',
      role: 'windows',
      systemd: false,
    });
    expect(info.ports).toEqual({
      syncthingGui: 8386,
      syncthingSync: 22002,
      ssh: 22,
      headscale: 8080,
      derpStun: 3478,
      wireguard: 41641,
      packages: 8091,
      vouch: 874,
    });
  });

  it('macOS', async () => {
    const info = await detectPlatform({ platform: 'darwin', hostname: 'mac', env: {} });
    expect(info).toMatchObject({ os: 'macos', osType: 'macos', role: 'unknown' });
  });
});

describe('pieces', () => {
  it('wslVersionFromKernel', () => {
    expect(wslVersionFromKernel('4.4.0-19041-Microsoft')).toBe(1);
    expect(wslVersionFromKernel('4.19.128-microsoft-standard')).toBe(2);
    expect(wslVersionFromKernel('5.15.153.1-microsoft-standard-WSL2')).toBe(2);
    expect(wslVersionFromKernel('6.1.0-18-amd64')).toBeUndefined();
  });

  it('parseOsRelease unquotes shell-style values', () => {
    expect(
      parseOsRelease('ID="opensuse-tumbleweed"\nNAME=\'openSUSE\'\nPRETTY_NAME="a \\"b\\""\n# c\n'),
    ).toMatchObject({
      id: 'opensuse-tumbleweed',
      name: 'openSUSE',
      prettyName: 'a "b"',
      idLike: [],
    });
  });

  it('detectRole: the server list first, then the OS type decides', () => {
    const lists = { server: ['hub'], wsl2: ['pc'], windows: ['pc'] };
    expect(detectRole({ hostname: 'HUB', osType: 'ubuntu', hostnames: lists })).toBe('server');
    expect(detectRole({ hostname: 'pc', osType: 'windows', hostnames: lists })).toBe('windows');
    expect(detectRole({ hostname: 'pc', osType: 'wsl2', hostnames: lists })).toBe('wsl2');
    expect(detectRole({ hostname: 'pc', osType: 'ubuntu', hostnames: lists })).toBe('unknown');
    expect(detectRole({ hostname: 'x', osType: 'wsl2', hostnames: none })).toBe('wsl2');
    expect(detectRole({ hostname: 'x', osType: 'macos', hostnames: none })).toBe('unknown');
  });
});
