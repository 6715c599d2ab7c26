import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { releaseArch, TAILSCALE_PACKAGES_URL, TAILSCALE_VERSION } from '@mesh/platform';
import {
  type PackageServer,
  serveTailscale,
  sha256Hex,
  startPackageServer,
} from '@mesh/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFileCommands } from './protocol.js';
import { runMain } from './run-main.js';
import { addPath, planTailscaleInstall } from './tailscale-install.js';
import { fakeCore, jobHarness } from './test-harness.js';

const KEY = 'hskey-auth-UNIT0123456789abcdef';
const ARCH = releaseArch();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (name: string) => {
  const d = join(tmpdir(), `mesh-action-${name}-${process.pid}-${dirs.length}`);
  mkdirSync(d, { recursive: true });
  dirs.push(d);
  return d;
};
const errorLines = (text: string) => text.split('\n').filter((l) => l.startsWith('::error::'));

let server: PackageServer;
let packagesUrl: string;
beforeAll(async () => {
  server = await startPackageServer();
  packagesUrl = (await serveTailscale(server, TAILSCALE_VERSION, ARCH)).baseUrl;
});
afterAll(() => server.close());

describe('planTailscaleInstall', () => {
  const config = { binaries: {}, tailscalePackagesUrl: TAILSCALE_PACKAGES_URL };

  it('installs nothing when the job chose its binaries or the runner has both', async () => {
    const empty = tempDir('empty');
    expect(
      await planTailscaleInstall(
        config,
        { MESH_TAILSCALED_BIN: '/x/tailscaled' },
        { meshBinDir: empty },
      ),
    ).toBeUndefined();
    expect(
      await planTailscaleInstall(
        { ...config, binaries: { tailscale: '/x/tailscale' } },
        {},
        { meshBinDir: empty },
      ),
    ).toBeUndefined();
    const bin = tempDir('bin');
    for (const name of ['tailscale', 'tailscaled']) {
      writeFileSync(join(bin, name), '#!/bin/sh\n');
      chmodSync(join(bin, name), 0o755);
    }
    expect(
      await planTailscaleInstall(config, { PATH: bin }, { meshBinDir: empty }),
    ).toBeUndefined();
  });

  it('plans the pinned version into the tool cache when either is missing', async () => {
    const empty = tempDir('empty');
    const bin = tempDir('bin');
    writeFileSync(join(bin, 'tailscale'), '#!/bin/sh\n');
    chmodSync(join(bin, 'tailscale'), 0o755);
    const env = { PATH: bin, RUNNER_TOOL_CACHE: '/opt/hostedtoolcache' };
    const dir = `/opt/hostedtoolcache/tailscale/${TAILSCALE_VERSION}/x64`;
    expect(await planTailscaleInstall(config, env, { meshBinDir: empty, arch: 'x64' })).toEqual({
      version: TAILSCALE_VERSION,
      arch: 'amd64',
      packagesUrl: TAILSCALE_PACKAGES_URL,
      dir,
      binaries: { tailscale: `${dir}/tailscale`, tailscaled: `${dir}/tailscaled` },
    });
    expect(
      await planTailscaleInstall({ ...config, tailscaleVersion: '1.96.0' }, env, {
        meshBinDir: empty,
        arch: 'arm64',
      }),
    ).toMatchObject({
      version: '1.96.0',
      arch: 'arm64',
      dir: '/opt/hostedtoolcache/tailscale/1.96.0/arm64',
    });
  });

  it('says in one line why it cannot install', async () => {
    const empty = tempDir('empty');
    expect(await planTailscaleInstall(config, { PATH: empty }, { meshBinDir: empty })).toBe(
      `tailscale and tailscaled are not installed, and RUNNER_TOOL_CACHE (where this action installs Tailscale ${TAILSCALE_VERSION}) is not set: install Tailscale on the runner, or set tailscale-bin and tailscaled-bin`,
    );
    expect(
      await planTailscaleInstall(
        config,
        { RUNNER_TOOL_CACHE: '/t' },
        { meshBinDir: empty, arch: 's390x' },
      ),
    ).toBe(
      'tailscale and tailscaled are not installed, and there is no release package for CPU architecture s390x (supported: x64, arm64)',
    );
  });
});

describe('addPath', () => {
  it('prepends to PATH and appends to the GITHUB_PATH file', () => {
    const file = join(tempDir('path'), 'path');
    writeFileSync(file, '/earlier\n');
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin', GITHUB_PATH: file };
    addPath(env, '/cache/tailscale');
    expect(env['PATH']).toBe(`/cache/tailscale${delimiter}/usr/bin`);
    expect(readFileSync(file, 'utf8')).toBe('/earlier\n/cache/tailscale\n');
  });
});

describe('runMain on a runner without Tailscale', () => {
  /** A job whose runner has no tailscale anywhere, a tool cache and a GITHUB_PATH file. */
  function job(toolCache: string, inputs: Record<string, string> = {}) {
    const empty = tempDir('empty');
    const pathFile = join(empty, 'github-path');
    writeFileSync(pathFile, '');
    const h = jobHarness(
      {
        server: 'http://10.99.0.1:8080',
        key: KEY,
        userspace: 'true',
        'tailscale-packages-url': packagesUrl,
        ...inputs,
      },
      { RUNNER_TOOL_CACHE: toolCache, GITHUB_PATH: pathFile, PATH: empty },
    );
    dirs.push(h.dir);
    const proto = h.mainProto();
    const core = fakeCore();
    const run = () => runMain(proto, () => core.api, { meshBinDir: empty });
    return { h, proto, core, run, pathFile };
  }

  it('installs into the tool cache on a miss, then a hit downloads nothing', async () => {
    const toolCache = tempDir('toolcache');
    const dir = join(toolCache, 'tailscale', TAILSCALE_VERSION, process.arch);
    server.requests.length = 0;
    const first = job(toolCache);
    expect(await first.run()).toBe(0);
    expect(errorLines(first.h.stdout())).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['tailscale', 'tailscaled']);
    expect(statSync(join(dir, 'tailscaled')).mode & 0o777).toBe(0o755);
    expect(existsSync(`${dir}.complete`)).toBe(true);
    expect(server.requests).toEqual([
      `/stable/tailscale_${TAILSCALE_VERSION}_${ARCH}.tgz.sha256`,
      `/stable/tailscale_${TAILSCALE_VERSION}_${ARCH}.tgz`,
    ]);
    expect(first.h.stdout()).toContain(
      `mesh: installed tailscale ${TAILSCALE_VERSION} (${ARCH}) into ${dir}; added to PATH for the rest of the job`,
    );
    // On PATH for later steps, for core (the context's environment) and for post (the state).
    expect(readFileSync(first.pathFile, 'utf8')).toBe(`${dir}\n`);
    const ctxOptions = first.core.calls[0]?.options as { env: NodeJS.ProcessEnv };
    expect(ctxOptions.env['PATH']?.split(delimiter)[0]).toBe(dir);
    expect(parseFileCommands(readFileSync(first.h.files.state, 'utf8'))).toMatchObject({
      'tailscale-bin': join(dir, 'tailscale'),
      'tailscaled-bin': join(dir, 'tailscaled'),
    });

    server.requests.length = 0;
    const second = job(toolCache);
    expect(await second.run()).toBe(0);
    expect(server.requests).toEqual([]);
    expect(second.h.stdout()).toContain(
      `mesh: tailscale ${TAILSCALE_VERSION} is already installed in ${dir}`,
    );
    expect(readFileSync(second.pathFile, 'utf8')).toBe(`${dir}\n`);
  });

  it('fails the step with one line on a tampered package, and installs nothing', async () => {
    const toolCache = tempDir('toolcache');
    const published = sha256Hex('the genuine package');
    const served = await serveTailscale(server, '1.98.11', ARCH, { sha256: published });
    const { h, core, run, pathFile } = job(toolCache, { 'tailscale-version': '1.98.11' });
    expect(await run()).toBe(1);
    const url = `${packagesUrl}/tailscale_1.98.11_${ARCH}.tgz`;
    expect(errorLines(h.stdout())).toEqual([
      `::error::mesh: install failed: checksum mismatch for tailscale_1.98.11_${ARCH}.tgz from ${url}: expected sha256 ${published}, got ${served.sha256} (the package source may be tampered with or incomplete; nothing was installed)`,
    ]);
    expect(core.calls).toEqual([]);
    expect(readdirSync(toolCache)).toEqual([]);
    expect(readFileSync(pathFile, 'utf8')).toBe('');
  });

  it('reads the packages URL and refuses one with a query', async () => {
    const toolCache = tempDir('toolcache');
    const { h, run } = job(toolCache, {
      'tailscale-packages-url': 'https://mirror.example/ts?token=x',
    });
    expect(await run()).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::input "tailscale-packages-url" must be a URL without query or fragment',
    ]);
  });
});
