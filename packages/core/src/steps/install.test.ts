import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { releaseArch, SYNCTHING_VERSION, TAILSCALE_VERSION, WINGET_IDS } from '@mesh/platform';
import {
  type PackageServer,
  serveSyncthing,
  serveTailscale,
  sha256Hex,
  startPackageServer,
} from '@mesh/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aptMachine as aptMachineIn,
  fakeRunner,
  probe,
  reported,
  wslContext,
  wslRoot,
} from '../../test/wsl-root.js';
import { isMeshError, type MeshError } from '../errors.js';
import { installMissingPrograms, packageFor } from './install.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-install-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('installing what is missing', () => {
  it('installs only the missing program with the detected package manager, once', async () => {
    await wslRoot(root);
    // detectPackageManager looks under the root: this root "has" Homebrew (no release installs).
    const brewDir = path.join(root, 'home/linuxbrew/.linuxbrew/bin');
    await mkdir(brewDir, { recursive: true });
    await writeFile(path.join(brewDir, 'brew'), '');
    const present = new Set(['tailscale', 'tailscaled']);
    const installs: string[] = [];
    const runner = fakeRunner({
      sh: probe(present),
      brew: (args) => {
        const name = args.at(-1) ?? '';
        if (args[0] === 'list') return { stdout: present.has(name) ? `${name} 1.30.0` : '' };
        installs.push(args.join(' '));
        present.add(name);
        return {};
      },
    });
    // Explicit binaries would bypass the probe; this machine's are unset here.
    const ctx = await wslContext(root, runner);
    const first = await installMissingPrograms(ctx);
    expect(first).toMatchObject({ status: 'changed', changes: ['installed syncthing (brew)'] });
    expect(installs).toEqual(['install syncthing']);
    const second = await installMissingPrograms(ctx);
    expect(second).toEqual({ id: 'install', status: 'ok', changes: [] });
    expect(installs).toHaveLength(1);
  });

  it('without a package manager, a missing program is bad input (exit 4) and nothing runs', async () => {
    await wslRoot(root);
    const runner = fakeRunner({ sh: probe(new Set(['tailscale', 'tailscaled'])) });
    const ctx = await wslContext(root, runner);
    const error = await installMissingPrograms(ctx).catch((e: unknown) => e);
    expect(isMeshError(error) && error.kind).toBe('badInput');
    expect((error as Error).message).toContain('missing programs: syncthing');
  });
});

describe('Tailscale and Syncthing from their release packages (Linux with apt)', () => {
  const V = TAILSCALE_VERSION;
  const SV = SYNCTHING_VERSION;
  const ARCH = releaseArch();
  const PKG = `tailscale_${V}_${ARCH}.tgz`;
  const ST = `syncthing-linux-${ARCH}-v${SV}.tar.gz`;
  let server: PackageServer;
  beforeEach(async () => {
    server = await startPackageServer();
  });
  afterEach(() => server.close());

  /** A machine with apt under `root` where `present` is what `command -v` finds. */
  const aptMachine = (present: Set<string>, packagesUrl: string, syncthingUrl?: string) =>
    aptMachineIn(root, {
      present,
      env: {
        MESH_TAILSCALE_PACKAGES_URL: packagesUrl,
        ...(syncthingUrl ? { MESH_SYNCTHING_RELEASES_URL: syncthingUrl } : {}),
      },
    });
  const bin = () => path.join(root, 'usr/local/bin');

  it('installs tailscale, tailscaled and syncthing from the sources, nothing with apt; again, nothing', async () => {
    const { baseUrl } = await serveTailscale(server, V, ARCH);
    const st = await serveSyncthing(server, SV, ARCH);
    const { ctx, installs } = await aptMachine(new Set(), baseUrl, st.baseUrl);
    const first = await installMissingPrograms(ctx);
    expect(first).toEqual({
      id: 'install',
      status: 'changed',
      changes: [
        `installed tailscale ${V} (from ${baseUrl})`,
        `installed syncthing ${SV} (from ${st.baseUrl})`,
      ],
    });
    expect(server.requests).toEqual([
      `/stable/${PKG}.sha256`,
      `/stable/${PKG}`,
      `/st/v${SV}/sha256sum.txt.asc`,
      `/st/v${SV}/${ST}`,
    ]);
    expect((await readdir(bin())).sort()).toEqual(['syncthing', 'tailscale', 'tailscaled']);
    expect((await stat(path.join(bin(), 'tailscaled'))).mode & 0o777).toBe(0o755);
    expect(installs).toEqual([]);
    expect(reported(ctx)).toEqual(
      expect.arrayContaining([
        `OK: Installing tailscale ${V} from ${baseUrl}`,
        `OK: Installed tailscale ${V} (from ${baseUrl})`,
      ]),
    );

    // `command -v` still finds no tailscale (/usr/local/bin under the root is on no PATH):
    // what the release put there counts, and nothing is downloaded again.
    server.requests.length = 0;
    expect(await installMissingPrograms(ctx)).toEqual({ id: 'install', status: 'ok', changes: [] });
    expect(server.requests).toEqual([]);
  });

  it('downloads only what is missing: Syncthing when Tailscale is there', async () => {
    const { baseUrl } = await serveTailscale(server, V, ARCH);
    const st = await serveSyncthing(server, SV, ARCH);
    const present = new Set(['tailscale', 'tailscaled']);
    const { ctx, installs } = await aptMachine(present, baseUrl, st.baseUrl);
    const r = await installMissingPrograms(ctx);
    expect(r).toEqual({
      id: 'install',
      status: 'changed',
      changes: [`installed syncthing ${SV} (from ${st.baseUrl})`],
    });
    expect(installs).toEqual([]);
    expect(server.requests).toEqual([`/st/v${SV}/sha256sum.txt.asc`, `/st/v${SV}/${ST}`]);
    expect(await readdir(bin())).toEqual(['syncthing']);
  });

  it('refuses a tampered package in one line (exit 1) and installs nothing', async () => {
    const served = await serveTailscale(server, V, ARCH, { sha256: sha256Hex('other') });
    const { ctx, installs } = await aptMachine(new Set(), served.baseUrl);
    const error = (await installMissingPrograms(ctx).catch((e: unknown) => e)) as MeshError;
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'failure', exitCode: 1 });
    expect(error.message).toBe(
      `installing tailscale ${V}: checksum mismatch for ${PKG} from ${served.baseUrl}/${PKG}: expected sha256 ${sha256Hex('other')}, got ${served.sha256}`,
    );
    expect(error.hint).toBe(
      'the package source may be tampered with or incomplete; nothing was installed',
    );
    expect(existsSync(bin()) ? await readdir(bin()) : []).toEqual([]);
    expect(installs).toEqual([]);
    expect(reported(ctx)).toContain(`FAIL: Installing tailscale ${V} from ${served.baseUrl}`);
  });
});

describe('packageFor', () => {
  it.each([
    ['tailscale', 'apt', 'tailscale'],
    ['tailscaled', 'apt', 'tailscale'],
    ['syncthing', 'dnf', 'syncthing'],
    ['tailscaled', 'brew', 'tailscale'],
    ['tailscale', 'winget', WINGET_IDS.tailscale],
    ['tailscaled', 'winget', WINGET_IDS.tailscale],
    ['syncthing', 'winget', WINGET_IDS.syncthing],
  ] as const)('%s with %s: %s', (program, manager, pkg) => {
    expect(packageFor(program, manager)).toBe(pkg);
  });
});
