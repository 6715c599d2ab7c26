import { existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './errors.js';
import type { LabHost } from './lab-host.js';
import { waitFor } from './wait.js';

/** Where the lab's package source listens, on the server host's lab address. */
export const PACKAGE_SOURCE_PORT = 8000;

/**
 * The lab's package source: release packages of the pinned binaries, laid out as Tailscale's,
 * Headscale's and Syncthing's own servers lay theirs out, each with its checksum file (built by
 * `scripts/install-tools.sh`, tool `packages`), served over HTTP inside the lab network only.
 */
export interface PackageSource {
  /** `http://<server>:8000` */
  url: string;
  /** What `MESH_TAILSCALE_PACKAGES_URL` takes: `tailscale_<v>_<arch>.tgz` and its `.sha256`. */
  tailscaleUrl: string;
  /** What `MESH_HEADSCALE_RELEASES_URL` takes: `v<v>/headscale_<v>_linux_<arch>`, `checksums.txt`. */
  headscaleUrl: string;
  /**
   * What `MESH_SYNCTHING_RELEASES_URL` takes: `v<v>/syncthing-linux-<arch>-v<v>.tar.gz`,
   * `sha256sum.txt.asc`.
   */
  syncthingUrl: string;
  /** The directory served. */
  dir: string;
}

/** The packages the install script built: `$MESH_CACHE_DIR/packages/current`. */
export function defaultPackagesDir(): string {
  return join(process.env['MESH_CACHE_DIR'] || '/var/cache/mesh', 'packages', 'current');
}

/** Starts the package source on `host` (in its namespace, beside any machine) and waits for it. */
export async function startPackageSource(
  host: LabHost,
  dir: string,
  wait: { signal?: AbortSignal },
): Promise<PackageSource> {
  await access(join(dir, '.complete')).catch(() => {
    throw new LabError(`no lab packages in ${dir}`, {
      hint: 'build them: MESH_TOOLS=packages bash scripts/install-tools.sh',
    });
  });
  // Beside this module in src/; the bundled lab CLI runs from dist/ and finds it in src/.
  const here = join(import.meta.dirname, 'package-server.mjs');
  const script = existsSync(here) ? here : join(import.meta.dirname, '../src/package-server.mjs');
  host.spawn('package-source', process.execPath, [
    script,
    dir,
    host.ip,
    String(PACKAGE_SOURCE_PORT),
  ]);
  const url = `http://${host.ip}:${PACKAGE_SOURCE_PORT}`;
  // It says so once it listens; its log is the lab's, readable from here for either host kind.
  const log = join(host.logs, 'package-source.log');
  await waitFor(
    `the package source on ${url}`,
    async () =>
      (await readFile(log, 'utf8').catch(() => '')).includes('serving ') ? true : undefined,
    { timeout: 15_000, ...wait },
  );
  return {
    url,
    tailscaleUrl: `${url}/tailscale/stable`,
    headscaleUrl: `${url}/headscale`,
    syncthingUrl: `${url}/syncthing`,
    dir,
  };
}
