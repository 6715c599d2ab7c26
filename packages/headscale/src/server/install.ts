/**
 * Getting a `headscale` binary: use one that exists, or download a release package over HTTP,
 * verify its SHA-256, unpack it (raw binary, .tar.gz or .deb) and install it atomically.
 */

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  access,
  chmod,
  constants,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRunner, type Runner } from '@mesh/platform';
import { type Dispatcher, request } from 'undici';
import {
  HeadscaleCommandError,
  HeadscaleConfigError,
  HeadscaleConnectionError,
} from '../errors.js';

/** A release package to download. */
export interface HeadscaleDownload {
  /** http(s) URL of the package. */
  url: string;
  /** Expected SHA-256 of the package file (hex). */
  sha256: string;
  /** Package kind. @default 'binary' */
  format?: 'binary' | 'tar.gz' | 'deb';
  dispatcher?: Dispatcher;
  /** Milliseconds for the download. @default 300000 */
  timeout?: number;
  signal?: AbortSignal;
}

/** Options of {@link installHeadscale}. */
export interface InstallHeadscaleOptions {
  /** Absolute path the binary is installed to (e.g. /usr/local/bin/headscale). */
  installPath: string;
  /** Use this binary when it exists and is executable (no download). */
  existing?: string;
  /** Where to get it otherwise. */
  download?: HeadscaleDownload;
  /** Runs tar / dpkg-deb. @default createRunner() */
  runner?: Runner;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Ensures a headscale binary. Idempotent: `changed: false` when `existing` is usable or the
 * installed binary came from the same package (SHA-256 stamp next to it).
 */
export async function installHeadscale(
  o: InstallHeadscaleOptions,
): Promise<{ binary: string; changed: boolean }> {
  if (o.existing && (await executable(o.existing))) return { binary: o.existing, changed: false };
  if (!isAbsolute(o.installPath))
    throw new HeadscaleConfigError(
      `installPath must be absolute, got ${JSON.stringify(o.installPath)}`,
    );
  const d = o.download;
  if (!d) {
    if (await executable(o.installPath)) return { binary: o.installPath, changed: false };
    throw new HeadscaleConfigError(
      `no headscale binary at ${o.existing ?? o.installPath} and no download given`,
      {
        hint: 'pass download: { url, sha256 } or an existing binary',
      },
    );
  }
  const expected = d.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected))
    throw new HeadscaleConfigError('download.sha256 must be 64 hex characters');
  const stamp = `${o.installPath}.sha256`;
  if (
    (await executable(o.installPath)) &&
    (await readFile(stamp, 'utf8').catch(() => '')).trim() === expected
  ) {
    return { binary: o.installPath, changed: false };
  }
  const work = await mkdtemp(join(tmpdir(), 'mesh-hs-install-'));
  try {
    const pkg = join(work, 'package');
    const actual = await download(d, pkg);
    if (actual !== expected) {
      throw new HeadscaleConfigError(
        `SHA-256 mismatch for ${d.url}: expected ${expected}, got ${actual}`,
        {
          hint: 'the download is corrupt or not the release you meant; nothing was installed',
        },
      );
    }
    const binary = await unpack(pkg, d.format ?? 'binary', work, o.runner ?? createRunner());
    const tmp = join(dirname(o.installPath), `.headscale-${process.pid}.tmp`);
    try {
      await copyFile(binary, tmp);
      await chmod(tmp, 0o755);
      await rename(tmp, o.installPath);
    } catch (cause) {
      await rm(tmp, { force: true });
      throw new HeadscaleConfigError(
        `cannot install to ${o.installPath}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
        {
          cause,
          hint: 'choose a writable install directory',
        },
      );
    }
    await writeFile(stamp, `${expected}\n`, { mode: 0o644 });
    return { binary: o.installPath, changed: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function download(d: HeadscaleDownload, dest: string): Promise<string> {
  const url = new URL(d.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HeadscaleConfigError(`download URL must be http(s): ${d.url}`);
  const timeout = d.timeout ?? 300_000;
  const signal = d.signal
    ? AbortSignal.any([d.signal, AbortSignal.timeout(timeout)])
    : AbortSignal.timeout(timeout);
  const hash = createHash('sha256');
  try {
    const res = await request(url, {
      method: 'GET',
      signal,
      ...(d.dispatcher ? { dispatcher: d.dispatcher } : {}),
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new HeadscaleConnectionError(`GET ${d.url}: HTTP ${res.statusCode}`, {
        method: 'GET',
        url: d.url,
        status: res.statusCode,
        hint: 'check the release URL',
      });
    }
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    await pipeline(res.body, tap, createWriteStream(dest, { mode: 0o600 }));
  } catch (cause) {
    if (cause instanceof HeadscaleConnectionError) throw cause;
    throw new HeadscaleConnectionError(`GET ${d.url} failed: ${(cause as Error).message}`, {
      cause,
      method: 'GET',
      url: d.url,
      hint: 'check the URL and network',
    });
  }
  return hash.digest('hex');
}

async function unpack(
  pkg: string,
  format: 'binary' | 'tar.gz' | 'deb',
  work: string,
  runner: Runner,
): Promise<string> {
  if (format === 'binary') return pkg;
  const out = join(work, 'unpacked');
  const [file, args] =
    format === 'deb' ? ['dpkg-deb', ['-x', pkg, out]] : ['tar', ['-xzf', pkg, '-C', out]];
  await mkdir(out, { recursive: true });
  const r = await runner.run(file, args as string[], { timeout: 120_000 });
  if (r.exitCode !== 0) {
    throw new HeadscaleCommandError(`cannot unpack ${format} package: ${r.stderr.trim()}`, {
      command: r.command,
      exitCode: r.exitCode,
      stderr: r.stderr,
      hint: 'is the package format right?',
    });
  }
  const found = await findFile(out, 'headscale');
  if (!found)
    throw new HeadscaleConfigError(`no file named headscale in the ${format} package`, {
      hint: 'is this a headscale release package?',
    });
  return found;
}

async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return p;
    if (entry.isDirectory()) {
      const inner = await findFile(p, name);
      if (inner) return inner;
    }
  }
  return undefined;
}
