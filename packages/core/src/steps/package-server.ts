/**
 * The server's package source: the release packages `mesh server setup` installed and kept
 * (`/var/lib/mesh/packages`), served read-only over HTTP by the server's agent, so that machines
 * which must not reach the internet install Tailscale from the server
 * (`mesh client setup --from-server`). The layout is Tailscale's own, so the client needs nothing
 * but another base URL, and verifies the checksum as it does for any source.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { KEPT_SYNCTHING_PATH, KEPT_TAILSCALE_PATH, pathExists, portPlan } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { followAddress } from '../internal/follow-address.js';
import { underRoot } from '../paths.js';
import { controlServerUrl } from './server-url.js';

/** The TCP port the server's agent serves the kept packages on. */
export const PACKAGES_PORT = portPlan('server').packages;

/** Where `mesh server setup` keeps the release packages it installed (a machine path). */
export const PACKAGES_DIR = '/var/lib/mesh/packages';

/** {@link PACKAGES_DIR} under the machine's root. */
export function packagesDir(ctx: Pick<MeshContext, 'paths'>): string {
  return underRoot(ctx.paths.root, PACKAGES_DIR);
}

/**
 * The package sources of the server at `serverUrl`, as the settings name them: Tailscale's at
 * `http://<its host>:8091/tailscale/stable`, Syncthing's at `http://<its host>:8091/syncthing`.
 */
export function serverPackageUrls(
  serverUrl: string,
  port: number = PACKAGES_PORT,
): { tailscalePackagesUrl: string; syncthingReleasesUrl: string } {
  // `hostname` keeps an IPv6 literal's brackets, as a URL needs them.
  const base = `http://${new URL(serverUrl).hostname}:${port}`;
  return {
    tailscalePackagesUrl: `${base}/${KEPT_TAILSCALE_PATH}`,
    syncthingReleasesUrl: `${base}/${KEPT_SYNCTHING_PATH}`,
  };
}

/**
 * `ctx` with the server's package sources in place of the settings' (`--from-server`): what
 * the machine steps install comes from the server at `serverUrl`.
 */
export function withServerPackages(
  ctx: MeshContext,
  serverUrl: string,
  port: number = PACKAGES_PORT,
): MeshContext {
  return { ...ctx, settings: { ...ctx.settings, ...serverPackageUrls(serverUrl, port) } };
}

/**
 * The address to serve on: the server URL's host when it is an IP literal (the address clients
 * reach the server at), else every IPv4 address.
 */
export function packagesBindAddress(serverUrl: string | undefined): string {
  let host: string;
  try {
    host = new URL(serverUrl ?? '').hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '0.0.0.0';
  }
  return isIP(host) === 0 ? '0.0.0.0' : host;
}

/** Options of {@link startPackageSource}. */
export interface PackageSourceOptions {
  /** The directory served; it may appear or go after the start (then every path is a 404). */
  dir: string;
  /** The address to bind. */
  host: string;
  /** @default PACKAGES_PORT (0 picks a free one) */
  port?: number;
  /** Called with what failed while answering (a 500) or while sending a file. */
  onError?: (error: unknown) => void;
}

/** A running {@link startPackageSource}. */
export interface PackageSource {
  host: string;
  port: number;
  /** `host:port` (`[host]:port` for IPv6). */
  address: string;
  close(): Promise<void>;
}

function plain(res: ServerResponse, status: number, text: string, head = false): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(status === 405 ? { allow: 'GET, HEAD' } : {}),
  });
  res.end(head ? undefined : body);
}

/** The result of reading a request path: the segments of a file, or why there is none. */
type Wanted = { segments: string[] } | { refused: string } | { missing: true };

/**
 * The path segments a request names, decoded, each checked by itself: `..`, `.`, a slash, a
 * backslash or NUL in one is refused (whatever its encoding), an empty one or a hidden name
 * (temporary files are hidden) is missing. The URL is read raw, not normalised, so that no
 * `..` is resolved before it is seen.
 */
function wantedPath(url: string): Wanted {
  if (!url.startsWith('/')) return { refused: 'the request target must be a path' };
  const pathname = url.replace(/[?#].*$/s, '');
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { refused: 'the path is not valid percent-encoding' };
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
      return { refused: 'path traversal refused' };
    }
    if (segment === '' || segment.startsWith('.')) return { missing: true };
    segments.push(segment);
  }
  return { segments };
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

const NOT_THERE = new Set(['ENOENT', 'ENOTDIR']);

/** Opens the regular file `segments` name inside `dir`, or undefined when there is none. */
async function openInside(dir: string, segments: string[]): Promise<FileHandle | undefined> {
  let top: string;
  let file: string;
  try {
    top = await realpath(dir);
    // Resolved, so that a link inside cannot lead outside.
    file = await realpath(path.join(top, ...segments));
  } catch (error) {
    if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  if (!isInside(top, file)) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  // No listings: a directory (or anything but a file) is not there.
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    return undefined;
  }
  return handle;
}

function contentType(name: string): string {
  if (name.endsWith('.sha256') || name.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

async function answer(
  dir: string,
  req: IncomingMessage,
  res: ServerResponse,
  onError: ((error: unknown) => void) | undefined,
): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) return plain(res, 405, 'only GET and HEAD are answered');
  const wanted = wantedPath(req.url ?? '');
  if ('refused' in wanted) return plain(res, 400, wanted.refused, head);
  if ('missing' in wanted) return plain(res, 404, 'not found', head);
  const shown = `/${wanted.segments.join('/')}`;
  let handle: FileHandle | undefined;
  try {
    handle = await openInside(dir, wanted.segments);
  } catch (error) {
    onError?.(
      new MeshError(
        `serving ${shown} from ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error, hint: `check the files in ${dir} (mesh server setup keeps them there)` },
      ),
    );
    return plain(res, 500, 'cannot read this file', head);
  }
  if (!handle) return plain(res, 404, 'not found', head);
  try {
    const { size } = await handle.stat();
    res.writeHead(200, {
      'content-type': contentType(shown),
      'content-length': size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (head) {
      res.end();
      return;
    }
    await pipeline(handle.createReadStream({ autoClose: false }), res);
  } catch (error) {
    // A client that hangs up mid-file is no error of the server.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      onError?.(
        new MeshError(`sending ${shown}: ${(error as Error).message}`, {
          cause: error,
          hint: `check the files in ${dir} and the disk they are on`,
        }),
      );
    }
    res.destroy();
  } finally {
    await handle.close();
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Serves the files in `dir` read-only on `host:port`: GET and HEAD of regular files only (no
 * listings, no hidden files), nothing outside `dir` (a link leading out is not there), path
 * traversal refused with 400. Fails as `listen` does (EADDRINUSE, EADDRNOTAVAIL, EACCES).
 */
export async function startPackageSource(o: PackageSourceOptions): Promise<PackageSource> {
  const server = createServer((req, res) => {
    answer(o.dir, req, res, o.onError).catch((error: unknown) => {
      o.onError?.(error);
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  // A package is tens of MB: time for a slow link, yet a stalled client is let go.
  server.requestTimeout = 600_000;
  await listen(server, o.host, o.port ?? PACKAGES_PORT);
  const { port } = server.address() as AddressInfo;
  return {
    host: o.host,
    port,
    address: o.host.includes(':') ? `[${o.host}]:${port}` : `${o.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Options of {@link servePackages}. */
export interface ServePackagesOptions {
  signal: AbortSignal;
  /** @default PACKAGES_PORT (tests on loopback pick 0) */
  port?: number;
  /** How often the directory and the server URL are looked at again, in ms. @default 10000 */
  recheckMs?: number;
  /** Called once serving on `host:port` (again after the address changed). */
  onListening?: (address: string) => void;
  onError?: (error: unknown) => void;
}

function bindFailure(address: string, error: unknown): MeshError {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EADDRINUSE'
      ? `another program holds port ${address.replace(/^.*:/, '')} (is another mesh agent running here?); the agent tries again`
      : code === 'EADDRNOTAVAIL'
        ? "the server URL's address is not on this machine (yet); the agent tries again"
        : 'check the server URL; the agent tries again';
  return new MeshError(
    `cannot serve the kept packages on ${address}: ${code ?? (error as Error).message}`,
    { cause: error, hint },
  );
}

/**
 * The server agent's package source: on the server role, while {@link PACKAGES_DIR} exists,
 * serves it with {@link startPackageSource} on port {@link PACKAGES_PORT}, on the server URL's
 * address when that is an IP literal, else on 0.0.0.0, until `signal` aborts. Elsewhere it
 * returns at once. A bind failure goes to `onError` (once until it changes) and is tried again
 * on the next look; it never ends the agent.
 */
export async function servePackages(ctx: MeshContext, o: ServePackagesOptions): Promise<void> {
  if (ctx.role !== 'server') return;
  const dir = packagesDir(ctx);
  const port = o.port ?? PACKAGES_PORT;
  await followAddress<PackageSource>({
    signal: o.signal,
    want: async () =>
      (await pathExists(dir)) ? packagesBindAddress(await controlServerUrl(ctx)) : undefined,
    bind: (host) =>
      startPackageSource({ dir, host, port, ...(o.onError ? { onError: o.onError } : {}) }),
    close: (source) => source.close(),
    onBound: (source) => o.onListening?.(source.address),
    failure: (host, error) =>
      bindFailure(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, error),
    ...(o.onError ? { onError: o.onError } : {}),
    recheckMs: () => o.recheckMs ?? 10_000,
  });
}
