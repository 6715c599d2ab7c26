import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceManager } from './service.js';
import { signalProcess, supervisedServiceManager } from './supervised.js';

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

describe('signalProcess', () => {
  const eperm = () => {
    throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
  };
  const recorder = (exitCode = 0) => {
    const calls: string[][] = [];
    return {
      calls,
      runner: {
        prefix: ['sudo', '-n'],
        async run(file: string, args: readonly string[]) {
          calls.push([file, ...args]);
          return {
            command: file,
            exitCode,
            stdout: '',
            stderr: exitCode ? 'denied' : '',
            timedOut: false,
          };
        },
      },
    };
  };

  it('signals directly when it may', async () => {
    const r = recorder();
    const sent: unknown[] = [];
    await signalProcess(42, 'SIGTERM', r.runner, (pid, sig) => sent.push([pid, sig]));
    expect(sent).toEqual([[42, 'SIGTERM']]);
    expect(r.calls).toEqual([]);
  });

  it('on EPERM runs kill through the runner that started the process (sudo -n)', async () => {
    const r = recorder();
    await signalProcess(42, 'SIGKILL', r.runner, eperm);
    expect(r.calls).toEqual([['kill', '-s', 'KILL', '42']]);
  });

  it('rethrows EPERM without a prefixed runner, and fails clearly when kill fails', async () => {
    await expect(signalProcess(42, 'SIGTERM', undefined, eperm)).rejects.toThrow(/EPERM/);
    await expect(signalProcess(42, 'SIGTERM', recorder(1).runner, eperm)).rejects.toThrow(
      /could not send SIGTERM to pid 42: denied/,
    );
  });
});
