import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceManager } from './service.js';
import { supervisedServiceManager } from './supervised.js';

let dir: string;
let manager: ServiceManager;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-supervised-'));
  manager = supervisedServiceManager({ stateDir: dir });
});
afterEach(async () => {
  await manager.stop('sleeper').catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('supervisedServiceManager', () => {
  it('restarts a killed process (kill -9) with a new pid, logs, and stops cleanly', async () => {
    await manager.install({
      name: 'sleeper',
      description: 'sleeps',
      exec: ['/bin/sh', '-c', 'echo up $$; exec sleep 60'],
      restart: 'always',
      restartSec: 0.1,
    });
    await manager.start('sleeper');
    const first = await waitFor(async () => (await manager.status('sleeper')).pid, 'first pid');
    expect(alive(first)).toBe(true);

    process.kill(first, 'SIGKILL');
    const second = await waitFor(async () => {
      const s = await manager.status('sleeper');
      return s.pid !== undefined && s.pid !== first ? s.pid : undefined;
    }, 'restarted pid');
    expect(second).not.toBe(first);
    expect(await manager.status('sleeper')).toMatchObject({
      active: true,
      installed: true,
      detail: 'running',
    });
    const log = await manager.logs('sleeper');
    expect(log).toContain(`up ${first}`);
    expect(log).toContain('exited SIGKILL');

    const supervisor = Number(await readFile(path.join(dir, 'sleeper.supervisor.pid'), 'utf8'));
    await manager.stop('sleeper');
    expect(alive(second)).toBe(false);
    expect(alive(supervisor)).toBe(false);
    expect(await manager.status('sleeper')).toMatchObject({ active: false, detail: 'stopped' });
  });
});
