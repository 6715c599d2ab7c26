import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PlatformConfigError, PlatformError, UnsupportedPlatformError } from '../errors.js';
import {
  checksumFor,
  HEADSCALE_RELEASES_URL,
  HEADSCALE_VERSION,
  headscaleRelease,
  parseChecksums,
  parseSha256File,
  releaseArch,
  SYNCTHING_VERSION,
  TAILSCALE_PACKAGES_URL,
  TAILSCALE_VERSION,
  tailscaleRelease,
} from './release-sources.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('release sources', () => {
  it('describes a Tailscale static package and its .sha256', () => {
    expect(tailscaleRelease({ version: 'v1.98.10', arch: 'amd64' })).toEqual({
      version: '1.98.10',
      arch: 'amd64',
      fileName: 'tailscale_1.98.10_amd64.tgz',
      url: `${TAILSCALE_PACKAGES_URL}/tailscale_1.98.10_amd64.tgz`,
      checksumUrl: `${TAILSCALE_PACKAGES_URL}/tailscale_1.98.10_amd64.tgz.sha256`,
      members: {
        tailscale: 'tailscale_1.98.10_amd64/tailscale',
        tailscaled: 'tailscale_1.98.10_amd64/tailscaled',
      },
    });
  });

  it('describes a Headscale release binary and its checksums.txt', () => {
    const r = headscaleRelease({
      version: '0.29.2',
      arch: 'arm64',
      baseUrl: 'http://10.0.0.1:8/hs/',
    });
    expect(r).toEqual({
      version: '0.29.2',
      arch: 'arm64',
      fileName: 'headscale_0.29.2_linux_arm64',
      url: 'http://10.0.0.1:8/hs/v0.29.2/headscale_0.29.2_linux_arm64',
      checksumUrl: 'http://10.0.0.1:8/hs/v0.29.2/checksums.txt',
    });
    expect(headscaleRelease({ version: '0.29.2', arch: 'amd64' }).url).toBe(
      `${HEADSCALE_RELEASES_URL}/v0.29.2/headscale_0.29.2_linux_amd64`,
    );
  });

  it('maps Node architectures and refuses the others', () => {
    expect(releaseArch('x64')).toBe('amd64');
    expect(releaseArch('arm64')).toBe('arm64');
    expect(() => releaseArch('ia32')).toThrow(UnsupportedPlatformError);
    expect(() => releaseArch('ia32')).toThrow(/CPU architecture ia32 \(supported: x64, arm64\)/);
    expect(() => releaseArch('__proto__')).toThrow(UnsupportedPlatformError);
  });

  it('refuses versions and base URLs that would change the path', () => {
    expect(() => tailscaleRelease({ version: '1.98/../x', arch: 'amd64' })).toThrow(
      PlatformConfigError,
    );
    expect(() => tailscaleRelease({ version: 'latest', arch: 'amd64' })).toThrow(
      /must be a release like 1.98.10, got "latest"/,
    );
    expect(() =>
      tailscaleRelease({ version: '1.98.10', arch: 'amd64', baseUrl: 'ftp://x/stable' }),
    ).toThrow(PlatformConfigError);
    expect(() =>
      tailscaleRelease({ version: '1.98.10', arch: 'amd64', baseUrl: 'https://x/s?token=t' }),
    ).toThrow(/without query or fragment, got "https:\/\/x\/s"/);
  });
});

describe('checksum files', () => {
  it('reads a bare .sha256 and a sha256sum line naming the right file', () => {
    expect(parseSha256File(`${A.toUpperCase()}\n`, 'p.tgz')).toBe(A);
    expect(parseSha256File(`${A}  p.tgz\n`, 'p.tgz')).toBe(A);
    expect(parseSha256File(`${A} *p.tgz`, 'p.tgz')).toBe(A);
  });

  it('refuses a .sha256 that is not one, or is for another file', () => {
    expect(() =>
      parseSha256File('<html>not found</html>', 'p.tgz', 'http://s/p.tgz.sha256'),
    ).toThrow('http://s/p.tgz.sha256: is not a SHA-256 checksum file (expected 64 hex characters)');
    expect(() => parseSha256File(`${A}\n${B}\n`, 'p.tgz')).toThrow(PlatformError);
    expect(() => parseSha256File(`${A.slice(1)}`, 'p.tgz')).toThrow(PlatformError);
    expect(() => parseSha256File(`${A}  q.tgz`, 'p.tgz')).toThrow(
      'p.tgz: is the checksum of q.tgz, not of p.tgz',
    );
  });

  it('reads checksums.txt and finds one file in it', () => {
    const text = `${A}  headscale_0.29.2_linux_amd64\n${B}  headscale_0.29.2_linux_arm64\n\n`;
    expect(parseChecksums(text)).toEqual(
      new Map([
        ['headscale_0.29.2_linux_amd64', A],
        ['headscale_0.29.2_linux_arm64', B],
      ]),
    );
    expect(checksumFor(text, 'headscale_0.29.2_linux_arm64')).toBe(B);
  });

  it('refuses a checksums.txt without the file, with a bad line, or with two answers', () => {
    const error = (() => {
      try {
        checksumFor(`${A}  other\n`, 'headscale_0.29.2_linux_amd64', 'http://s/checksums.txt');
      } catch (e) {
        return e as PlatformError;
      }
    })();
    expect(error?.message).toBe(
      'http://s/checksums.txt: has no checksum for headscale_0.29.2_linux_amd64',
    );
    expect(error?.hint).toMatch(/tampered with or incomplete/);
    expect(() => parseChecksums(`${A}  a\nnonsense\n`)).toThrow(
      'checksums.txt: line 2 is not "<sha256>  <file name>"',
    );
    expect(() => parseChecksums(`${A}  a\n${B}  a\n`)).toThrow(/lists a twice/);
  });
});

describe('pinned versions', () => {
  it('are the ones the install script builds and the lab tests', async () => {
    const script = await readFile(
      fileURLToPath(new URL('../../../../scripts/install-tools.sh', import.meta.url)),
      'utf8',
    );
    const pin = (name: string) => new RegExp(`^${name}="\\$\\{${name}:-v([^}]+)\\}"$`, 'm');
    expect(pin('TAILSCALE_VERSION').exec(script)?.[1]).toBe(TAILSCALE_VERSION);
    expect(pin('HEADSCALE_VERSION').exec(script)?.[1]).toBe(HEADSCALE_VERSION);
    expect(pin('SYNCTHING_GO_VERSION').exec(script)?.[1]).toBe(SYNCTHING_VERSION);
  });
});
