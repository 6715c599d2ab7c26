/**
 * Where the release packages of Tailscale and Headscale are, and how their checksum files read.
 * The layouts are the upstream ones, so a package source that mirrors them (the lab's, a company
 * mirror) works by changing only the base URL.
 */
import * as z from 'zod/mini';
import { PlatformConfigError, PlatformError, UnsupportedPlatformError } from '../errors.js';

/** Tailscale's own package server: `tailscale_<version>_<arch>.tgz` and its `.sha256`. */
export const TAILSCALE_PACKAGES_URL = 'https://pkgs.tailscale.com/stable';

/** Headscale's GitHub releases: `v<version>/headscale_<version>_linux_<arch>` and `checksums.txt`. */
export const HEADSCALE_RELEASES_URL = 'https://github.com/juanfont/headscale/releases/download';

/**
 * Syncthing's GitHub releases: `v<version>/syncthing-linux-<arch>-v<version>.tar.gz` and the
 * release's signed `sha256sum.txt.asc`.
 */
export const SYNCTHING_RELEASES_URL = 'https://github.com/syncthing/syncthing/releases/download';

/** The Tailscale release Mesh is built and tested against (pinned in `scripts/install-tools.sh`). */
export const TAILSCALE_VERSION = '1.98.10';

/** The Headscale release Mesh is built and tested against (pinned in `scripts/install-tools.sh`). */
export const HEADSCALE_VERSION = '0.29.2';

/** The Syncthing release Mesh installs where none is (pinned in `scripts/install-tools.sh`). */
export const SYNCTHING_VERSION = '1.30.0';

/** A CPU architecture as both projects name it in their package file names. */
export type ReleaseArch = 'amd64' | 'arm64';

const ARCHES: Readonly<Record<string, ReleaseArch>> = { x64: 'amd64', arm64: 'arm64' };

/**
 * The package architecture of a Node.js `process.arch`. Throws {@link UnsupportedPlatformError}
 * for one Mesh installs no packages for.
 */
export function releaseArch(nodeArch: string = process.arch): ReleaseArch {
  const arch = Object.hasOwn(ARCHES, nodeArch) ? ARCHES[nodeArch] : undefined;
  if (arch === undefined) {
    throw new UnsupportedPlatformError(
      `no release package for CPU architecture ${nodeArch} (supported: x64, arm64)`,
      { hint: 'install Tailscale, Headscale and Syncthing by hand on this machine' },
    );
  }
  return arch;
}

// Digits only, with an optional pre-release tag: the version is pasted into URLs and file names.
const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$/;

/** `1.98.10` from `1.98.10` or `v1.98.10`; throws {@link PlatformConfigError} for anything else. */
export function releaseVersion(version: string): string {
  const match = VERSION.exec(version.trim());
  if (!match?.[1]) {
    throw new PlatformConfigError('version', `must be a release like 1.98.10, got "${version}"`, {
      hint: 'pass a version number such as 1.98.10 (a leading v is allowed)',
    });
  }
  return match[1];
}

function baseOf(baseUrl: string): string {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new PlatformConfigError(
      'baseUrl',
      `must be an http(s) URL without query or fragment, got "${url ? `${url.origin}${url.pathname}` : baseUrl}"`,
      {
        hint: 'pass the directory that holds the packages, like https://pkgs.tailscale.com/stable',
      },
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Options of {@link tailscaleRelease} and {@link headscaleRelease}. */
export interface ReleaseSourceOptions {
  /** Release version, like `1.98.10` (a leading `v` is dropped). */
  version: string;
  /** @default releaseArch() (this machine's) */
  arch?: ReleaseArch | undefined;
  /** The directory (URL) the packages are in. @default the project's own download server */
  baseUrl?: string | undefined;
}

/** One Tailscale static package: a `.tgz` with the binaries under one top directory. */
export interface TailscaleRelease {
  version: string;
  arch: ReleaseArch;
  /** `tailscale_<version>_<arch>.tgz` */
  fileName: string;
  url: string;
  /** The `.sha256` beside it: the hex digest alone. */
  checksumUrl: string;
  /** Paths of the two programs inside the archive. */
  members: { tailscale: string; tailscaled: string };
}

/** A Tailscale static package of `version` for `arch`. */
export function tailscaleRelease(options: ReleaseSourceOptions): TailscaleRelease {
  const version = releaseVersion(options.version);
  const arch = options.arch ?? releaseArch();
  const base = baseOf(options.baseUrl ?? TAILSCALE_PACKAGES_URL);
  const top = `tailscale_${version}_${arch}`;
  const fileName = `${top}.tgz`;
  return {
    version,
    arch,
    fileName,
    url: `${base}/${fileName}`,
    checksumUrl: `${base}/${fileName}.sha256`,
    members: { tailscale: `${top}/tailscale`, tailscaled: `${top}/tailscaled` },
  };
}

/** One Headscale release binary (Linux), with the `checksums.txt` of its release. */
export interface HeadscaleRelease {
  version: string;
  arch: ReleaseArch;
  /** `headscale_<version>_linux_<arch>`: the line to look for in checksums.txt. */
  fileName: string;
  url: string;
  /** The release's `checksums.txt` (`<sha256>  <file name>` lines). */
  checksumUrl: string;
}

/** The Linux Headscale binary of release `version` for `arch`. */
export function headscaleRelease(options: ReleaseSourceOptions): HeadscaleRelease {
  const version = releaseVersion(options.version);
  const arch = options.arch ?? releaseArch();
  const base = baseOf(options.baseUrl ?? HEADSCALE_RELEASES_URL);
  const fileName = `headscale_${version}_linux_${arch}`;
  return {
    version,
    arch,
    fileName,
    url: `${base}/v${version}/${fileName}`,
    checksumUrl: `${base}/v${version}/checksums.txt`,
  };
}

/** One Syncthing release archive (Linux): a `.tar.gz` with the binary under one top directory. */
export interface SyncthingRelease {
  version: string;
  arch: ReleaseArch;
  /** `syncthing-linux-<arch>-v<version>.tar.gz`: the line to look for in the checksum file. */
  fileName: string;
  url: string;
  /** The release's `sha256sum.txt.asc`: `sha256sum` lines inside a PGP clear-signature. */
  checksumUrl: string;
  /** Path of the program inside the archive. */
  member: string;
}

/** The Linux Syncthing archive of release `version` for `arch`. */
export function syncthingRelease(options: ReleaseSourceOptions): SyncthingRelease {
  const version = releaseVersion(options.version);
  const arch = options.arch ?? releaseArch();
  const base = baseOf(options.baseUrl ?? SYNCTHING_RELEASES_URL);
  const top = `syncthing-linux-${arch}-v${version}`;
  return {
    version,
    arch,
    fileName: `${top}.tar.gz`,
    url: `${base}/v${version}/${top}.tar.gz`,
    checksumUrl: `${base}/v${version}/sha256sum.txt.asc`,
    member: `${top}/syncthing`,
  };
}

const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

/** A SHA-256 as 64 lower-case hex characters, or undefined when `text` is not one. */
export function parseSha256(text: string): string | undefined {
  const result = Sha256.safeParse(text.trim().toLowerCase());
  return result.success ? result.data : undefined;
}

function badChecksumFile(source: string, what: string): PlatformError {
  return new PlatformError(`${source}: ${what}`, {
    hint: 'the package source may be tampered with or incomplete; check its URL and contents',
  });
}

// `sha256sum` output: digest, a space, then a space (text mode) or `*` (binary mode), file name.
const SUM_LINE = /^(\S+)(?: [ *](\S+))?$/;

/**
 * The digest in a `.sha256` file: the hex digest alone (Tailscale's form) or one `sha256sum`
 * line; when that line names a file it must be `fileName`. `source` names the file in errors.
 */
export function parseSha256File(text: string, fileName: string, source = fileName): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const match = lines.length === 1 ? SUM_LINE.exec((lines[0] ?? '').trim()) : null;
  const digest = match?.[1] === undefined ? undefined : parseSha256(match[1]);
  if (digest === undefined) {
    throw badChecksumFile(source, 'is not a SHA-256 checksum file (expected 64 hex characters)');
  }
  if (match?.[2] !== undefined && match[2] !== fileName) {
    throw badChecksumFile(source, `is the checksum of ${match[2]}, not of ${fileName}`);
  }
  return digest;
}

/**
 * The `sha256sum` lines of a PGP clear-signed file (`sha256sum.txt.asc`), as
 * {@link parseChecksums} reads them; plain lines without the armour are read as they are. The
 * signature is not checked: the digests guard against a damaged or swapped download from a
 * mirror, as Tailscale's and Headscale's do.
 */
export function parseSignedChecksums(
  text: string,
  source = 'sha256sum.txt.asc',
): Map<string, string> {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === '-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin < 0) return parseChecksums(text, source);
  // Armour headers (`Hash: SHA256`) end at the first empty line; the signature follows the body.
  const body = lines.findIndex((l, i) => i > begin && l.trim() === '');
  const end = lines.findIndex((l) => l.trim() === '-----BEGIN PGP SIGNATURE-----');
  if (body < 0 || end < body) {
    throw badChecksumFile(source, 'is a PGP signed message without a body and a signature');
  }
  // Clear-signing escapes a line that starts with a dash as "- -...".
  const signed = lines.slice(body + 1, end).map((l) => l.replace(/^- /, ''));
  return parseChecksums(signed.join('\n'), source);
}

/**
 * The digests of a `checksums.txt` (`sha256sum` lines, as GoReleaser writes them), by file name.
 * Any other line is an error naming its number: a half-read list must not pass.
 */
export function parseChecksums(text: string, source = 'checksums.txt'): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const match = SUM_LINE.exec(line);
    const digest = match?.[1] === undefined ? undefined : parseSha256(match[1]);
    const name = match?.[2];
    if (digest === undefined || name === undefined) {
      throw badChecksumFile(source, `line ${index + 1} is not "<sha256>  <file name>"`);
    }
    const earlier = sums.get(name);
    if (earlier !== undefined && earlier !== digest) {
      throw badChecksumFile(source, `lists ${name} twice with different checksums`);
    }
    sums.set(name, digest);
  }
  return sums;
}

/**
 * The digest of `fileName` in a `checksums.txt` or a clear-signed `sha256sum.txt.asc`; a file
 * the list lacks is an error.
 */
export function checksumFor(text: string, fileName: string, source = 'checksums.txt'): string {
  const digest = parseSignedChecksums(text, source).get(fileName);
  if (digest === undefined) throw badChecksumFile(source, `has no checksum for ${fileName}`);
  return digest;
}
