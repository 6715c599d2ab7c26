import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type PackageServer, sha256Hex, startPackageServer } from '@mesh/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PlatformAbortError,
  PlatformConfigError,
  PlatformError,
  PlatformTimeoutError,
} from '../errors.js';
import { type DownloadFetch, downloadText, downloadVerified, redirectTarget } from './download.js';

const BODY = Buffer.from('a package, byte for byte\n'.repeat(4096));
const SHA = sha256Hex(BODY);
const OTHER = sha256Hex('something else');

let server: PackageServer;
let dir: string;
beforeAll(async () => {
  server = await startPackageServer();
  server.route('/pkg.tgz', { body: BODY });
  server.route('/slow.tgz', { stall: BODY.subarray(0, 1000) });
  server.route('/pkg.tgz.sha256', { body: `${SHA}\n` });
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-download-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: unknown) => e as PlatformError,
  );

describe('downloadVerified', () => {
  it('streams the file into place when its checksum matches, leaving no temporary file', async () => {
    const dest = path.join(dir, 'sub', 'pkg.tgz');
    const result = await downloadVerified({ url: `${server.origin}/pkg.tgz`, sha256: SHA, dest });
    expect(result).toEqual({ dest, sha256: SHA, bytes: BODY.length });
    expect((await readFile(dest)).equals(BODY)).toBe(true);
    expect((await stat(dest)).mode & 0o777).toBe(0o644);
    expect(await readdir(path.dirname(dest))).toEqual(['pkg.tgz']);
  });

  it('accepts an upper-case checksum and sets the mode asked for', async () => {
    const dest = path.join(dir, 'tool');
    await downloadVerified({
      url: `${server.origin}/pkg.tgz`,
      sha256: SHA.toUpperCase(),
      dest,
      mode: 0o755,
    });
    expect((await stat(dest)).mode & 0o777).toBe(0o755);
  });

  it('refuses a tampered file in one line, removes it and keeps what was there', async () => {
    const dest = path.join(dir, 'pkg.tgz');
    await writeFile(dest, 'the previous package');
    const error = await errorOf(
      downloadVerified({ url: `${server.origin}/pkg.tgz?mirror=1`, sha256: OTHER, dest }),
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.name).toBe('PlatformError');
    expect(error.message).toBe(
      `checksum mismatch for pkg.tgz from ${server.origin}/pkg.tgz: expected sha256 ${OTHER}, got ${SHA}`,
    );
    expect(error.hint).toMatch(/package source may be tampered with or incomplete/);
    expect(await readFile(dest, 'utf8')).toBe('the previous package');
    expect(await readdir(dir)).toEqual(['pkg.tgz']);
  });

  it('names the URL, without its query string, on a 404', async () => {
    const error = await errorOf(
      downloadVerified({
        url: `${server.origin}/missing.tgz?token=s3cr3t-value`,
        sha256: SHA,
        dest: path.join(dir, 'x'),
      }),
    );
    expect(error.message).toBe(`GET ${server.origin}/missing.tgz: HTTP 404 Not Found`);
    expect(error.hint).toMatch(/no missing\.tgz/);
    expect(`${error.message} ${error.hint}`).not.toContain('s3cr3t');
    expect(await readdir(dir)).toEqual([]);
  });

  it('times out a server that stops sending, with the contract timeout error', async () => {
    const error = await errorOf(
      downloadVerified({
        url: `${server.origin}/slow.tgz`,
        sha256: SHA,
        dest: path.join(dir, 'slow.tgz'),
        timeoutMs: 300,
      }),
    );
    expect(error).toBeInstanceOf(PlatformTimeoutError);
    expect(error.message).toBe(`GET ${server.origin}/slow.tgz timed out after 300 ms`);
    expect((error as PlatformTimeoutError).timeoutMs).toBe(300);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops when the caller aborts, with the contract abort error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const error = await errorOf(
      downloadVerified({
        url: `${server.origin}/slow.tgz`,
        sha256: SHA,
        dest: path.join(dir, 'slow.tgz'),
        signal: controller.signal,
      }),
    );
    expect(error).toBeInstanceOf(PlatformAbortError);
    expect(error.message).toBe(`GET ${server.origin}/slow.tgz aborted by the caller`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a source nobody listens on', async () => {
    const closed = await startPackageServer();
    await closed.close();
    const error = await errorOf(
      downloadVerified({ url: `${closed.origin}/pkg.tgz`, sha256: SHA, dest: path.join(dir, 'x') }),
    );
    expect(error.message).toBe(`GET ${closed.origin}/pkg.tgz failed: ECONNREFUSED`);
  });

  it('uses an injected fetch, and checks its arguments first', async () => {
    const seen: string[] = [];
    const fetch: DownloadFetch = async (url) => {
      seen.push(url);
      return new Response(BODY);
    };
    await downloadVerified({
      url: 'https://pkgs.example/p.tgz',
      sha256: SHA,
      dest: path.join(dir, 'p'),
      fetch,
    });
    expect(seen).toEqual(['https://pkgs.example/p.tgz']);
    await expect(
      downloadVerified({
        url: 'https://pkgs.example/p.tgz',
        sha256: 'abc',
        dest: path.join(dir, 'p'),
        fetch,
      }),
    ).rejects.toBeInstanceOf(PlatformConfigError);
    await expect(
      downloadVerified({
        url: 'file:///etc/passwd',
        sha256: SHA,
        dest: path.join(dir, 'p'),
        fetch,
      }),
    ).rejects.toBeInstanceOf(PlatformConfigError);
    expect(seen).toHaveLength(1);
  });
});

describe('downloadText', () => {
  it('reads a checksum file, and reports its 404 like a package', async () => {
    expect(await downloadText({ url: `${server.origin}/pkg.tgz.sha256` })).toBe(`${SHA}\n`);
    const error = await errorOf(downloadText({ url: `${server.origin}/nope.sha256` }));
    expect(error.message).toBe(`GET ${server.origin}/nope.sha256: HTTP 404 Not Found`);
  });
});

describe('redirectTarget', () => {
  it('follows relative and absolute redirects, and https to https', () => {
    expect(redirectTarget('http://mirror/a/b.tgz', '/c/b.tgz')).toBe('http://mirror/c/b.tgz');
    expect(redirectTarget('https://github.com/x', 'https://cdn.example/y?sig=1')).toBe(
      'https://cdn.example/y?sig=1',
    );
  });

  it('refuses a redirect that leaves https, in one line without the query', () => {
    expect(() => redirectTarget('https://github.com/x', 'http://cdn.example/y?sig=1')).toThrow(
      'GET https://github.com/x redirects to http://cdn.example/y: refused, it leaves https',
    );
  });
});
