import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRunner, HEADSCALE_VERSION, releaseArch } from '@mesh/platform';
import { type PackageServer, sha256Hex, startPackageServer, versionScript } from '@mesh/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { collector, reported } from '../../test/wsl-root.js';
import { createMeshContext } from '../context.js';
import { isMeshError, type MeshError } from '../errors.js';
import { ensureHeadscaleProgram } from './server.js';

const V = HEADSCALE_VERSION;
const BIN = `headscale_${V}_linux_${releaseArch()}`;
const SCRIPT = versionScript(`headscale version v${V}`);

let machine: FakeMachine;
let server: PackageServer;
let source: string;
beforeEach(async () => {
  machine = await fakeMachine('server', 'server');
  server = await startPackageServer();
  source = `${server.origin}/hs`;
  server.route(`/hs/v${V}/${BIN}`, { body: SCRIPT });
  server.route(`/hs/v${V}/checksums.txt`, { body: `${sha256Hex(SCRIPT)}  ${BIN}\n` });
});
afterEach(async () => {
  await server.close();
  await machine.remove();
});

/** The server under the machine's root, with a PATH of its own (empty unless a test fills it). */
async function serverContext(extra: Record<string, string> = {}) {
  const pathDir = path.join(machine.root, 'bin');
  await mkdir(pathDir, { recursive: true });
  return createMeshContext({
    env: { ...machine.env, PATH: pathDir, MESH_HEADSCALE_RELEASES_URL: source, ...extra },
    cwd: path.join(machine.home, 'work'),
    runner: createRunner(),
    reporter: collector(),
  });
}

describe('ensureHeadscaleProgram (mesh server setup, before anything else)', () => {
  const installed = () => path.join(machine.root, 'usr/local/bin/headscale');

  it('installs the verified release when no headscale is found, then downloads nothing', async () => {
    const ctx = await serverContext();
    const first = await ensureHeadscaleProgram(ctx);
    const change = `installed headscale ${V} (from ${source})`;
    expect(first).toEqual({ binary: installed(), changes: [change] });
    expect(await readFile(installed(), 'utf8')).toBe(SCRIPT);
    expect((await stat(installed())).mode & 0o777).toBe(0o755);
    expect(server.requests).toEqual([`/hs/v${V}/checksums.txt`, `/hs/v${V}/${BIN}`]);
    expect(reported(ctx)).toEqual([
      `OK: Installing headscale ${V} from ${source}`,
      `OK: ${change}`,
    ]);

    // /usr/local/bin (under the root) is on no PATH here: it is found all the same.
    server.requests.length = 0;
    expect(await ensureHeadscaleProgram(await serverContext())).toEqual({
      binary: installed(),
      changes: [],
    });
    expect(server.requests).toEqual([]);
  });

  it('uses a headscale found on PATH, or the one MESH_HEADSCALE_BIN names, as it is', async () => {
    const onPath = path.join(machine.root, 'bin', 'headscale');
    const ctx = await serverContext();
    await writeFile(onPath, SCRIPT);
    await chmod(onPath, 0o755);
    expect(await ensureHeadscaleProgram(ctx)).toEqual({ binary: onPath, changes: [] });
    const named = await serverContext({ MESH_HEADSCALE_BIN: '/opt/hs/headscale' });
    expect(await ensureHeadscaleProgram(named)).toEqual({
      binary: '/opt/hs/headscale',
      changes: [],
    });
    expect(server.requests).toEqual([]);
  });

  it('refuses a binary whose checksum does not match, in one line (exit 1)', async () => {
    server.route(`/hs/v${V}/checksums.txt`, { body: `${sha256Hex('other')}  ${BIN}\n` });
    const ctx = await serverContext();
    const error = (await ensureHeadscaleProgram(ctx).catch((e: unknown) => e)) as MeshError;
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'failure', exitCode: 1 });
    expect(error.message).toBe(
      `installing headscale ${V}: checksum mismatch for ${BIN} from ${source}/v${V}/${BIN}: expected sha256 ${sha256Hex('other')}, got ${sha256Hex(SCRIPT)}`,
    );
    expect(error.hint).toMatch(/nothing was installed$/);
    expect(await machine.tree()).not.toContain('usr/local/bin/headscale');
    expect(reported(ctx)).toEqual([`FAIL: Installing headscale ${V} from ${source}`]);
  });
});
