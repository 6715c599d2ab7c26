/**
 * A package source on 127.0.0.1 (port 0) serving release packages in the upstream layouts,
 * built on the spot from small shell scripts that print a version: the tests of the release
 * installers and of what uses them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// This package ships source and depends on nothing: Node's own execFile, with a timeout.
const run = promisify(execFile);

/** What the server answers for one path. */
export type Route =
  | { body: Buffer | string }
  | { status: number }
  /** Headers and `body`, then nothing until the client gives up. */
  | { stall: Buffer | string };

/** A running package source. */
export interface PackageServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Sets what `urlPath` answers (404 for any path never set). */
  route(urlPath: string, route: Route): void;
  close(): Promise<void>;
}

export async function startPackageServer(): Promise<PackageServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(urlPath);
    const route = routes.get(urlPath) ?? { status: 404 };
    if ('status' in route) {
      res.writeHead(route.status).end();
    } else if ('body' in route) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(route.body);
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(route.stall);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (urlPath, route) => routes.set(urlPath, route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The SHA-256 of `data`, hex. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A shell script that prints `lines` (and answers every argument the same way). */
export function versionScript(...lines: string[]): string {
  return `#!/bin/sh\n${lines.map((l) => `echo '${l}'`).join('\n')}\n`;
}

/**
 * A Tailscale static package with the real layout: `tailscale_<version>_<arch>/` holding
 * `tailscale`, `tailscaled` and `systemd/`. The programs print `printed` (default `version`).
 */
export async function tailscaleTgz(
  version: string,
  arch: string,
  printed: string = version,
): Promise<Buffer> {
  const work = await mkdtemp(path.join(tmpdir(), 'mesh-ts-pkg-'));
  try {
    const top = path.join(work, `tailscale_${version}_${arch}`);
    await mkdir(path.join(top, 'systemd'), { recursive: true });
    await writeFile(
      path.join(top, 'tailscale'),
      versionScript(printed, `  long version: ${printed}-t`),
    );
    await writeFile(path.join(top, 'tailscaled'), versionScript(printed));
    await chmod(path.join(top, 'tailscale'), 0o755);
    await chmod(path.join(top, 'tailscaled'), 0o755);
    await writeFile(path.join(top, 'systemd', 'tailscaled.service'), '[Service]\n');
    await writeFile(path.join(top, 'systemd', 'tailscaled.defaults'), 'PORT="41641"\n');
    const out = path.join(work, 'package.tgz');
    await run('tar', ['-czf', out, '-C', work, `tailscale_${version}_${arch}`], {
      timeout: 30_000,
    });
    return await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Serves a Tailscale package of `version` under `/stable`; returns the base URL and the
 * package's real digest. `sha256` replaces the published checksum (a tampered package is one
 * whose bytes do not match it).
 */
export async function serveTailscale(
  server: PackageServer,
  version: string,
  arch: string,
  options: { sha256?: string; printed?: string } = {},
): Promise<{ baseUrl: string; sha256: string }> {
  const tgz = await tailscaleTgz(version, arch, options.printed);
  const name = `tailscale_${version}_${arch}.tgz`;
  server.route(`/stable/${name}`, { body: tgz });
  server.route(`/stable/${name}.sha256`, { body: `${options.sha256 ?? sha256Hex(tgz)}\n` });
  return { baseUrl: `${server.origin}/stable`, sha256: sha256Hex(tgz) };
}

/**
 * Serves a Syncthing release archive of `version` as GitHub does, under `/st/v<version>/`: the
 * archive (`syncthing-linux-<arch>-v<version>/` with `syncthing`, which prints a Syncthing
 * version line, and `README.txt`) and a clear-signed `sha256sum.txt.asc` listing it. Returns
 * the base URL and the archive's real digest; `sha256` replaces the published one.
 */
export async function serveSyncthing(
  server: PackageServer,
  version: string,
  arch: string,
  options: { sha256?: string } = {},
): Promise<{ baseUrl: string; sha256: string; sums: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'mesh-st-pkg-'));
  const top = `syncthing-linux-${arch}-v${version}`;
  let tgz: Buffer;
  try {
    await mkdir(path.join(work, top));
    const program = path.join(work, top, 'syncthing');
    await writeFile(
      program,
      versionScript(`syncthing v${version} "Test" (go1.24 linux-${arch}) mesh@test 2025-06-20`),
    );
    await chmod(program, 0o755);
    await writeFile(path.join(work, top, 'README.txt'), 'Syncthing\n');
    const out = path.join(work, 'archive.tar.gz');
    await run('tar', ['-czf', out, '-C', work, top], { timeout: 30_000 });
    tgz = await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const sums = [
    '-----BEGIN PGP SIGNED MESSAGE-----',
    'Hash: SHA256',
    '',
    `${sha256Hex('other')}  syncthing-linux-arm-v${version}.tar.gz`,
    `${options.sha256 ?? sha256Hex(tgz)}  ${top}.tar.gz`,
    '-----BEGIN PGP SIGNATURE-----',
    '',
    'iQIzBAEBCAAdFiEE',
    '-----END PGP SIGNATURE-----',
    '',
  ].join('\n');
  server.route(`/st/v${version}/${top}.tar.gz`, { body: tgz });
  server.route(`/st/v${version}/sha256sum.txt.asc`, { body: sums });
  return { baseUrl: `${server.origin}/st`, sha256: sha256Hex(tgz), sums };
}
