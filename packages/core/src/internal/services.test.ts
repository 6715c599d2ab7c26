import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { createMeshContext } from '../context.js';
import { stopMeshDaemons } from '../steps/leave.js';
import { ensureService, privilegedRunner, serviceManager } from './services.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A context rooted in a temp dir, as the action builds one. */
async function tempContext(daemonPrefix?: string[]) {
  const d = mkdtempSync(path.join(os.tmpdir(), 'mesh-core-services-'));
  dirs.push(d);
  const ctx = await createMeshContext({
    env: {
      PATH: process.env['PATH'] ?? '',
      MESH_ROOT: d,
      HOME: path.join(d, 'home'),
      XDG_STATE_HOME: path.join(d, 'state'),
      XDG_CONFIG_HOME: path.join(d, 'config'),
      MESH_ROLE: 'unknown',
    },
    hostname: 'ci',
    ...(daemonPrefix ? { daemonPrefix } : {}),
  });
  return { d, ctx };
}

describe('daemonPrefix', () => {
  it('is kept on the context only when non-empty', async () => {
    expect((await tempContext()).ctx.daemonPrefix).toBeUndefined();
    expect((await tempContext([])).ctx.daemonPrefix).toBeUndefined();
    expect((await tempContext(['sudo', '-n'])).ctx.daemonPrefix).toEqual(['sudo', '-n']);
  });

  it('privilegedRunner puts it after the runner prefix, in run() and in prefix', async () => {
    const { ctx } = await tempContext(['sudo', '-n']);
    const calls: string[][] = [];
    const base = createRunner(['ip', 'netns', 'exec', 'n1']);
    ctx.runner = {
      prefix: base.prefix,
      async run(file, args) {
        calls.push([...base.prefix, file, ...args]);
        return { command: file, exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    };
    const r = privilegedRunner(ctx);
    expect(r.prefix).toEqual(['ip', 'netns', 'exec', 'n1', 'sudo', '-n']);
    await r.run('kill', ['-s', 'TERM', '7']);
    expect(calls).toEqual([['ip', 'netns', 'exec', 'n1', 'sudo', '-n', 'kill', '-s', 'TERM', '7']]);
    const plain = await tempContext();
    expect(privilegedRunner(plain.ctx)).toBe(plain.ctx.runner);
  });

  it('starts only privileged services behind it, and stopMeshDaemons stops them', async () => {
    // A stand-in for `sudo -n`: records the service it starts (the supervisor's last argument).
    const bin = mkdtempSync(path.join(os.tmpdir(), 'mesh-core-fakesudo-'));
    dirs.push(bin);
    const record = path.join(bin, 'argv');
    const fakeSudo = path.join(bin, 'fake-sudo');
    writeFileSync(
      fakeSudo,
      `#!/bin/sh\nfor a; do last="$a"; done\necho "$last" >> '${record}'\nexec "$@"\n`,
    );
    chmodSync(fakeSudo, 0o755);
    const { ctx } = await tempContext([fakeSudo]);
    const sleep = ['/bin/sh', '-c', 'exec sleep 60'];
    await ensureService(
      ctx,
      { name: 'mesh-tailscaled', description: 't', exec: sleep, restart: 'always' },
      { privileged: true },
    );
    await ensureService(ctx, {
      name: 'mesh-syncthing',
      description: 's',
      exec: sleep,
      restart: 'always',
    });
    try {
      expect(readFileSync(record, 'utf8')).toBe('mesh-tailscaled\n');
      const sm = await serviceManager(ctx);
      expect((await sm.status('mesh-tailscaled')).active).toBe(true);
      expect((await sm.status('mesh-syncthing')).active).toBe(true);
    } finally {
      const { stopped } = await stopMeshDaemons(ctx);
      expect(stopped.sort()).toEqual(['mesh-syncthing', 'mesh-tailscaled']);
    }
    const sm = await serviceManager(ctx);
    expect((await sm.status('mesh-tailscaled')).active).toBe(false);
  });
});
