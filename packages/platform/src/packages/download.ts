/**
 * Downloading a release package: streamed to disk, hashed on the way, and put in place only
 * when its SHA-256 is the one the package source published.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { redact } from '@mesh/errors';
import { request } from 'undici';
import {
  FileEditError,
  PlatformAbortError,
  PlatformConfigError,
  PlatformError,
  PlatformTimeoutError,
} from '../errors.js';
import { parseSha256 } from './release-sources.js';

/** What {@link downloadVerified} needs of a response; undici's and Node's `fetch` both fit. */
export interface DownloadResponse {
  status: number;
  statusText?: string;
  body: (AsyncIterable<Uint8Array> & { cancel?(reason?: unknown): Promise<void> }) | null;
}

/** A `fetch` to download with; tests pass one that counts or fails. @default undici's `request` */
export type DownloadFetch = (
  url: string,
  init: { signal: AbortSignal; redirect: 'follow' },
) => Promise<DownloadResponse>;

/** Options every download takes. */
export interface DownloadOptions {
  /** http(s) URL of the file. Redirects are followed (GitHub serves releases from a CDN). */
  url: string;
  /** Ends the download early; raises {@link PlatformAbortError}. */
  signal?: AbortSignal | undefined;
  /** For the whole download, headers and body, in milliseconds; raises {@link PlatformTimeoutError}. */
  timeoutMs?: number | undefined;
  /** @default undici's `request`, following redirects */
  fetch?: DownloadFetch | undefined;
}

/** Options of {@link downloadVerified}. */
export interface DownloadVerifiedOptions extends DownloadOptions {
  /** The SHA-256 the file must have (64 hex characters), from the package source's checksum file. */
  sha256: string;
  /** Where the file goes. Its directory is created; an existing file is replaced only on success. */
  dest: string;
  /** Mode of the file at `dest`. @default 0o644 */
  mode?: number | undefined;
  /** @default 300000 (5 minutes) */
  timeoutMs?: number | undefined;
}

/** What {@link downloadVerified} wrote. */
export interface DownloadVerifiedResult {
  dest: string;
  sha256: string;
  bytes: number;
}

const DOWNLOAD_TIMEOUT_MS = 300_000;
const TEXT_TIMEOUT_MS = 30_000;
/** Checksum files are a few lines; anything bigger is not one. */
const TEXT_MAX_BYTES = 1 << 20;

/** The URL as errors show it: no credentials, no query string, no fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

/** The last path segment of a URL: the file name errors name. */
function fileNameOf(url: string): string {
  try {
    return path.posix.basename(new URL(url).pathname) || url;
  } catch {
    return url;
  }
}

function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new PlatformConfigError('url', `must be an http(s) URL, got "${displayUrl(url)}"`, {
      hint: 'point the package source at an http:// or https:// address',
    });
  }
}

/** A call's signal: the caller's merged with the timeout, each told apart afterwards. */
function signals(options: DownloadOptions, fallbackMs: number) {
  const timeoutMs = options.timeoutMs ?? fallbackMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  return { timeoutMs, timeout, signal };
}

/** The contract's error for a download that ended early: abort, timeout or connection. */
function failure(
  error: unknown,
  shown: string,
  options: DownloadOptions,
  timing: { timeoutMs: number; timeout: AbortSignal },
): PlatformError {
  if (error instanceof PlatformError) return error;
  if (options.signal?.aborted) {
    return new PlatformAbortError(`GET ${shown} aborted by the caller`, { cause: error });
  }
  if (timing.timeout.aborted) {
    const timedOut = new PlatformTimeoutError(`GET ${shown}`, -1, '', {
      cause: error,
      timeoutMs: timing.timeoutMs,
      hint: 'the package source is slow or not answering; check it, or raise the timeout',
    });
    // The class words its message for a program's exit; a download has none to report.
    timedOut.message = redact(`GET ${shown} timed out after ${timing.timeoutMs} ms`);
    return timedOut;
  }
  // undici's request fails with the reason's code (ECONNREFUSED...); a fetch keeps it as cause.
  const own = (error as { code?: unknown }).code;
  const reason = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail =
    typeof own === 'string' && own.startsWith('E')
      ? own
      : typeof reason?.code === 'string'
        ? reason.code
        : typeof reason?.message === 'string'
          ? reason.message
          : (error as Error).message;
  return new PlatformError(`GET ${shown} failed: ${detail}`, {
    cause: error,
    hint: 'check the package source URL and that this machine can reach it',
  });
}

/**
 * The body's chunks, its failures (a reset connection, the timeout) made download errors here,
 * so that only the file system's own count as "cannot write".
 */
async function* fromNetwork(
  body: AsyncIterable<Uint8Array>,
  lost: (error: unknown) => PlatformError,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw lost(error);
  }
}

const MAX_REDIRECTS = 5;

/**
 * Where a redirect from `from` to `location` leads. An https source that redirects to plain
 * http is refused: the checksum file would then come over a connection anyone on the path can
 * rewrite, and it is what the package is checked against.
 */
export function redirectTarget(from: string, location: string): string {
  const next = new URL(location, from);
  if (new URL(from).protocol === 'https:' && next.protocol !== 'https:') {
    throw new PlatformError(
      `GET ${displayUrl(from)} redirects to ${displayUrl(next.toString())}: refused, it leaves https`,
      { hint: 'use a package source that stays on https, or name its final URL' },
    );
  }
  return next.toString();
}

/**
 * undici's `request` (the one part of undici the apps bundle), following redirects as a fetch
 * would: GitHub answers a release download with a redirect to its CDN.
 */
const requestFollowing: DownloadFetch = async (url, init) => {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const r = await request(current, { method: 'GET', signal: init.signal });
    const location = r.headers['location'];
    if (r.statusCode >= 300 && r.statusCode < 400 && typeof location === 'string') {
      await r.body.dump();
      current = redirectTarget(current, location);
      continue;
    }
    return {
      status: r.statusCode,
      statusText: STATUS_CODES[r.statusCode] ?? '',
      body: Object.assign(r.body, {
        cancel: async () => {
          // Destroying an unread body emits an abort error that nothing else listens for.
          r.body.once('error', () => undefined);
          r.body.destroy();
        },
      }),
    };
  }
  throw new PlatformError(`GET ${displayUrl(url)}: more than ${MAX_REDIRECTS} redirects`, {
    hint: 'check the package source URL',
  });
};

/** GETs `url` and returns the response once its status is 2xx; any other status is an error. */
async function get(
  options: DownloadOptions,
  signal: AbortSignal,
  shown: string,
): Promise<NonNullable<DownloadResponse['body']>> {
  const doFetch: DownloadFetch = options.fetch ?? requestFollowing;
  const response = await doFetch(options.url, { signal, redirect: 'follow' });
  if (response.status < 200 || response.status > 299 || response.body === null) {
    await response.body?.cancel?.().catch(() => undefined);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new PlatformError(`GET ${shown}: ${status}`, {
      hint:
        response.status === 404
          ? `the package source has no ${fileNameOf(options.url)}; check its URL and the version`
          : 'check the package source URL and that it serves this file',
    });
  }
  return response.body;
}

/**
 * Downloads `url` to `dest`, verified: the body is streamed into a temporary file beside
 * `dest` and hashed on the way, and renamed over `dest` only when its SHA-256 is `sha256`.
 * Whatever fails (status, checksum, timeout, abort, disk), the temporary file is removed and
 * `dest` is untouched. A wrong checksum is a {@link PlatformError} naming the file, the expected
 * and the actual digest on one line.
 */
export async function downloadVerified(
  options: DownloadVerifiedOptions,
): Promise<DownloadVerifiedResult> {
  checkUrl(options.url);
  const expected = parseSha256(options.sha256);
  if (expected === undefined) {
    throw new PlatformConfigError('sha256', 'must be 64 hex characters', {
      hint: 'pass the SHA-256 the package source publishes for this file',
    });
  }
  const shown = displayUrl(options.url);
  const dir = path.dirname(options.dest);
  const temp = path.join(
    dir,
    `.${path.basename(options.dest)}.mesh-tmp-${randomBytes(4).toString('hex')}`,
  );
  const timing = signals(options, DOWNLOAD_TIMEOUT_MS);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await mkdir(dir, { recursive: true });
    const lost = (error: unknown) => failure(error, shown, options, timing);
    const body = fromNetwork(
      await get(options, timing.signal, shown).catch((e) => {
        throw lost(e);
      }),
      lost,
    );
    const handle = await open(
      temp,
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
      0o600,
    );
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        // write() may take part of a chunk; the rest follows.
        for (let done = 0; done < chunk.byteLength; ) {
          done += (await handle.write(chunk, done)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const actual = hash.digest('hex');
    if (actual !== expected) {
      throw new PlatformError(
        `checksum mismatch for ${fileNameOf(options.url)} from ${shown}: expected sha256 ${expected}, got ${actual}`,
        {
          hint: 'the package source may be tampered with or incomplete; nothing was installed',
        },
      );
    }
    await chmod(temp, options.mode ?? 0o644);
    await rename(temp, options.dest);
    return { dest: options.dest, sha256: actual, bytes };
  } catch (error) {
    await rm(temp, { force: true });
    // A file system call failed (it names its syscall), not the download.
    const fsError = error as NodeJS.ErrnoException;
    if (!(error instanceof PlatformError) && typeof fsError.syscall === 'string') {
      throw new FileEditError(options.dest, `cannot write: ${fsError.code ?? fsError.message}`, {
        cause: error,
        hint: 'run as a user allowed to write there (often root), with free disk space',
      });
    }
    throw failure(error, shown, options, timing);
  }
}

/**
 * GETs a small text file (a checksum list) into memory: at most 1 MiB, with the same errors as
 * {@link downloadVerified}. `timeoutMs` defaults to 30000.
 */
export async function downloadText(options: DownloadOptions): Promise<string> {
  checkUrl(options.url);
  const shown = displayUrl(options.url);
  const timing = signals(options, TEXT_TIMEOUT_MS);
  try {
    const lost = (error: unknown) => failure(error, shown, options, timing);
    const raw = await get(options, timing.signal, shown).catch((e) => {
      throw lost(e);
    });
    const body = fromNetwork(raw, lost);
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      if (bytes > TEXT_MAX_BYTES) {
        await raw.cancel?.().catch(() => undefined);
        throw new PlatformError(`GET ${shown}: more than 1 MiB, not a checksum file`, {
          hint: 'the package source may be tampered with or incomplete; check its URL',
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw failure(error, shown, options, timing);
  }
}
