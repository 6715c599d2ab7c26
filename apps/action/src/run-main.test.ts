import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshContext } from '@mesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCore, missingCoreExports } from './core.js';
import { runMain } from './run-main.js';
import { runPost } from './run-post.js';
import { fakeCore, jobHarness } from './test-harness.js';

const KEY = 'hskey-auth-UNIT0123456789abcdef';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function job(inputs: Record<string, string> = {}) {
  // Tailscale chosen by the job, so no test here installs it (tailscale-install.test.ts does).
  const chosen = {
    MESH_TAILSCALE_BIN: '/opt/job/tailscale',
    MESH_TAILSCALED_BIN: '/opt/job/tailscaled',
  };
  const h = jobHarness(
    { server: 'http://10.99.0.1:8080', key: KEY, userspace: 'true', ...inputs },
    chosen,
  );
  dirs.push(h.dir);
  return h;
}
const errorLines = (text: string) => text.split('\n').filter((l) => l.startsWith('::error::'));
const syncInputs = { syncthing: 'true' };

describe('main + post with a fake core', () => {
  it('joins, sets outputs, and post undoes everything', async () => {
    const h = job({ ping: '100.64.0.1', hostname: 'ci-7', tags: 'ci' });
    const core = fakeCore();
    expect(await runMain(h.mainProto(), () => core.api)).toBe(0);
    expect(h.outputs()).toEqual({
      ip: '100.64.0.9',
      ipv6: 'fd7a:115c:a1e0::9',
      hostname: 'ci-7',
      'node-id': '9',
    });
    expect(core.names()).toEqual(['createMeshContext', 'joinMesh', 'waitForPeers']);
    expect(core.calls[1]?.options).toEqual({
      serverUrl: 'http://10.99.0.1:8080',
      authKey: KEY,
      tags: ['tag:ci'],
      acceptRoutes: false,
      retries: 2,
    });
    expect(core.calls[2]?.options).toEqual({ hosts: ['100.64.0.1'] });
    const stateDir = join(h.dir, 'mesh-action');
    expect(existsSync(stateDir)).toBe(true);

    expect(await runPost(h.postProto(), () => core.api)).toBe(0);
    expect(core.names().slice(3)).toEqual(['createMeshContext', 'leaveMesh', 'stopMeshDaemons']);
    expect(existsSync(stateDir)).toBe(false);
    expect(errorLines(h.stdout())).toEqual([]);
  });

  it('roots every core path in the state dir, and keeps inputs from core and its daemons', async () => {
    const h = job({ hostname: 'ci-8' });
    const core = fakeCore();
    const proto = h.mainProto();
    await runMain(proto, () => core.api);
    const ctxOptions = core.calls[0]?.options as { env: NodeJS.ProcessEnv; hostname: string };
    const stateDir = join(h.dir, 'mesh-action');
    expect(ctxOptions.hostname).toBe('ci-8');
    expect(ctxOptions.env).toMatchObject({
      MESH_ROOT: stateDir,
      HOME: join(stateDir, 'home'),
      XDG_STATE_HOME: join(stateDir, 'state'),
      MESH_TAILSCALE_SOCKET: join(stateDir, 'tailscaled.sock'),
      MESH_TAILSCALE_TUN: 'userspace-networking',
      MESH_HOSTNAME: 'ci-8',
    });
    expect(Object.keys(ctxOptions.env).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
    // …and nothing spawned later inherits them from this process either.
    expect(Object.keys(proto.env).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
  });

  it('masks the key before printing anything, and never prints or stores it', async () => {
    const h = job(syncInputs);
    const core = fakeCore({
      async joinMesh(_ctx, o) {
        // A careless library error that quotes the key must still not leak.
        throw new Error(`tailscale up --auth-key=${o.authKey} failed`);
      },
    });
    expect(await runMain(h.mainProto(), () => core.api)).toBe(1);
    await runPost(h.postProto(), () => core.api);
    const [first, ...rest] = h.out;
    expect(first).toBe(`::add-mask::${KEY}\n`);
    const after = rest.join('');
    expect(after).not.toContain(KEY);
    expect(h.rawFiles()).not.toContain(KEY);
    expect(errorLines(after)).toEqual([
      '::error::mesh: join failed: tailscale up --auth-key=[REDACTED] failed',
    ]);
  });

  it('syncs the folder after the join and outputs the device id', async () => {
    const h = job({ ...syncInputs, folder: 'shared' });
    const core = fakeCore();
    expect(await runMain(h.mainProto(), () => core.api)).toBe(0);
    expect(core.names()).toEqual(['createMeshContext', 'joinMesh', 'syncFolder']);
    expect(core.calls[2]?.options).toEqual({
      folderId: 'shared',
      folderPath: join(h.dir, 'mesh-folder', 'shared'),
    });
    expect(h.outputs()).toMatchObject({
      'device-id': 'AAAAAAA-BBBBBBB',
      'folder-path': join(h.dir, 'mesh-folder', 'shared'),
    });
  });

  it('fails within the timeout with one error line, and post still cleans up', async () => {
    const h = job({ timeout: '300ms' });
    const core = fakeCore({
      // A join that never finishes on its own: only the context's abort signal ends it.
      joinMesh: (ctx: MeshContext) =>
        new Promise((_, reject) =>
          ctx.signal?.addEventListener('abort', () => reject(new Error('join aborted'))),
        ),
    });
    expect(await runMain(h.mainProto(), () => core.api)).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::mesh: join failed: timed out after 0.3s (input "timeout"): join aborted',
    ]);
    expect(h.outputs()).toEqual({});
    await runPost(h.postProto(), () => core.api);
    expect(core.names().slice(2)).toEqual(['createMeshContext', 'leaveMesh', 'stopMeshDaemons']);
    expect(existsSync(join(h.dir, 'mesh-action'))).toBe(false);
  });

  it('post keeps going when one cleanup part fails, and warns', async () => {
    const h = job();
    const core = fakeCore({
      async leaveMesh() {
        throw Object.assign(new Error('tailscaled is not answering'), {
          hint: 'it may have crashed',
        });
      },
    });
    await runMain(h.mainProto(), () => core.api);
    expect(await runPost(h.postProto(), () => core.api)).toBe(0);
    expect(h.stdout()).toContain(
      '::warning::mesh: log out failed: tailscaled is not answering (it may have crashed)',
    );
    expect(core.names()).toContain('stopMeshDaemons');
    expect(existsSync(join(h.dir, 'mesh-action'))).toBe(false);
  });

  it('shows a MeshError as message and hint on one line', async () => {
    const h = job();
    const core = fakeCore({
      async joinMesh() {
        throw Object.assign(new Error('The server rejected the pre-auth key'), {
          hint: 'create a new key with `mesh server keygen`',
        });
      },
    });
    expect(await runMain(h.mainProto(), () => core.api)).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::mesh: join failed: The server rejected the pre-auth key (create a new key with `mesh server keygen`)',
    ]);
  });
});

describe('preflight', () => {
  it('says a TUN device is needed, and how to do without', async () => {
    const h = job({ userspace: 'false' });
    const tunDevice = join(h.dir, 'no-tun');
    expect(await runMain(h.mainProto(), () => fakeCore().api, { tunDevice })).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      `::error::${tunDevice} is missing: this runner needs a TUN device (or set userspace: true)`,
    ]);
  });

  it('says root is needed for TUN mode', async () => {
    const h = job({ userspace: 'false' });
    const tunDevice = join(h.dir, 'tun');
    writeFileSync(tunDevice, '');
    const core = fakeCore();
    const options = { tunDevice, isRoot: false, sudoWorks: async () => false };
    expect(await runMain(h.mainProto(), () => core.api, options)).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::tailscaled needs root for a TUN device: run the job as root (e.g. a container job), give the runner passwordless sudo (`sudo -n true` failed), or set userspace: true',
    ]);
    expect(core.calls).toEqual([]);
  });

  it('not root but passwordless sudo: tailscaled starts and stops behind sudo -n', async () => {
    const h = job({ userspace: 'false' });
    const tunDevice = join(h.dir, 'tun');
    writeFileSync(tunDevice, '');
    const core = fakeCore();
    const options = { tunDevice, isRoot: false, sudoWorks: async () => true };
    expect(await runMain(h.mainProto(), () => core.api, options)).toBe(0);
    expect(core.calls[0]?.options['daemonPrefix']).toEqual(['sudo', '-n']);
    expect(h.stdout()).toContain('mesh: not root; tailscaled runs through sudo -n');
    expect(await runPost(h.postProto(), () => core.api)).toBe(0);
    // post rebuilds the context with the same prefix, so it can stop a root tailscaled.
    const contexts = core.calls.filter((c) => c.name === 'createMeshContext');
    expect(contexts).toHaveLength(2);
    expect(contexts[1]?.options['daemonPrefix']).toEqual(['sudo', '-n']);
    expect(core.names().slice(-2)).toEqual(['leaveMesh', 'stopMeshDaemons']);
  });

  it('root and userspace jobs never ask sudo, nor pass a prefix', async () => {
    let asked = false;
    const sudoWorks = async () => {
      asked = true;
      return true;
    };
    const h = job({ userspace: 'true' });
    const core = fakeCore();
    expect(await runMain(h.mainProto(), () => core.api, { isRoot: false, sudoWorks })).toBe(0);
    const h2 = job({ userspace: 'false' });
    const tunDevice = join(h2.dir, 'tun');
    writeFileSync(tunDevice, '');
    const core2 = fakeCore();
    expect(
      await runMain(h2.mainProto(), () => core2.api, { tunDevice, isRoot: true, sudoWorks }),
    ).toBe(0);
    expect(asked).toBe(false);
    expect(core.calls[0]?.options['daemonPrefix']).toBeUndefined();
    expect(core2.calls[0]?.options['daemonPrefix']).toBeUndefined();
  });

  it('tailscale-version: fails with one line naming wanted and found, before anything starts', async () => {
    const bin = join(tmpdir(), `mesh-action-fakebin-${process.pid}`);
    mkdirSync(bin, { recursive: true });
    dirs.push(bin);
    const fake = (name: string, version: string) => {
      const file = join(bin, name);
      writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const tailscale = fake('tailscale', '1.98.10');
    const tailscaled = fake('tailscaled', '1.96.0');
    const inputs = { 'tailscale-bin': tailscale, 'tailscaled-bin': tailscaled };
    const h = job({ ...inputs, 'tailscale-version': '1.98.10' });
    const core = fakeCore();
    expect(await runMain(h.mainProto(), () => core.api)).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      `::error::input "tailscale-version" wants 1.98.10, but tailscaled is 1.96.0 (${tailscaled}): install Tailscale 1.98.10 on the runner, or point tailscale-bin and tailscaled-bin at binaries of that version`,
    ]);
    expect(core.calls).toEqual([]);

    fake('tailscaled', '1.98.10');
    const ok = job({ ...inputs, 'tailscale-version': '1.98.10' });
    expect(await runMain(ok.mainProto(), () => core.api)).toBe(0);
  });

  it('refuses other systems', async () => {
    const h = job();
    expect(await runMain(h.mainProto(), () => fakeCore().api, { platform: 'darwin' })).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::this action runs on Linux runners only (this one is darwin)',
    ]);
  });

  it('refuses a state dir that already holds files, and post then deletes nothing', async () => {
    const keep = join(tmpdir(), `mesh-action-keep-${process.pid}`);
    mkdirSync(keep, { recursive: true });
    writeFileSync(join(keep, 'precious'), 'x');
    dirs.push(keep);
    const h = job({ 'state-dir': keep });
    expect(await runMain(h.mainProto(), () => fakeCore().api)).toBe(1);
    expect(h.stdout()).toMatch(/::error::input "state-dir" must name a new or empty directory/);
    await runPost(h.postProto(), () => fakeCore().api);
    expect(h.stdout()).toContain('nothing to clean up');
    expect(existsSync(join(keep, 'precious'))).toBe(true);
  });

  it('reports input errors as one line without calling core', async () => {
    const h = job({ timeout: 'abc' });
    const core = fakeCore();
    expect(await runMain(h.mainProto(), () => core.api)).toBe(1);
    expect(errorLines(h.stdout())).toEqual([
      '::error::input "timeout" must be a duration like 60s or 1m30s, got "abc" (it does not start with a number)',
    ]);
    expect(core.calls).toEqual([]);
  });
});

describe('loadCore', () => {
  it('names a missing core function when it is called', async () => {
    expect(missingCoreExports({ joinMesh() {} })).toContain('leaveMesh');
    const h = job();
    const fake = fakeCore().api;
    const partial = loadCore({
      createMeshContext: fake.createMeshContext,
      joinMesh: fake.joinMesh,
    });
    expect(await runMain(h.mainProto(), () => partial)).toBe(0);
    await runPost(h.postProto(), () => partial);
    expect(h.stdout()).toContain(
      '::warning::mesh: log out failed: this build of @mesh/core does not export leaveMesh yet',
    );
  });
});
