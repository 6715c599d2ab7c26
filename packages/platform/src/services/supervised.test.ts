import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { until } from '@mesh/test-utils';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive } from '../internal/pid.js';
import { runAsPrefix } from '../users.js';
import type { ServiceManager } from './service.js';
import { renderRunFile, signalProcess, supervisedServiceManager } from './supervised.js';

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

/** Within the test's own timeout, so that a wait that fails says what it waited for. */
const WAIT_MS = 10_000;

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
    const first = await until(
      'first pid',
      async () => (await manager.status('sleeper')).pid,
      WAIT_MS,
    );
    expect(alive(first)).toBe(true);

    process.kill(first, 'SIGKILL');
    const second = await until(
      'restarted pid',
      async () => {
        const s = await manager.status('sleeper');
        return s.pid !== undefined && s.pid !== first ? s.pid : undefined;
      },
      WAIT_MS,
    );
    expect(second).not.toBe(first);
    expect(await manager.status('sleeper')).toMatchObject({
      active: true,
      installed: true,
      detail: 'running',
    });
    const log = await manager.logs('sleeper');
    expect(log).toContain(`up ${first}`);
    expect(log).toContain('exited signal 9');

    const supervisor = Number(await readFile(path.join(dir, 'sleeper.supervisor.pid'), 'utf8'));
    await manager.stop('sleeper');
    // A keeper that exited stays a zombie until this process reaps it, later under load: gone.
    expect(alive(second)).toBe(false);
    expect(alive(supervisor)).toBe(false);
    expect(await manager.status('sleeper')).toMatchObject({ active: false, detail: 'stopped' });
  });

  it('uninstall stops a running one and leaves no trace but its log; a second time does nothing', async () => {
    await manager.install({ name: 'gone', description: 'goes', exec: ['/bin/sleep', '60'] });
    await manager.enable('gone');
    await manager.start('gone');
    const pid = await until('pid', async () => (await manager.status('gone')).pid, WAIT_MS);
    await manager.uninstall('gone');
    expect(alive(pid)).toBe(false);
    expect(await manager.status('gone')).toMatchObject({ installed: false, active: false });
    expect((await readdir(dir)).filter((f) => f.startsWith('gone.'))).toEqual(['gone.log']);
    await manager.uninstall('gone');
    await manager.uninstall('never-installed');
  });

  it('runs the program with its environment and directory, exactly as written, in a sh keeper', async () => {
    const out = path.join(dir, "it's out");
    await manager.install({
      name: 'sleeper',
      description: 'prints',
      exec: [
        '/bin/sh',
        '-c',
        'printf "%s|%s|%s" "$GREETING" "$PWD" "$1" > "$0"; exec sleep 60',
        out,
        'a b',
      ],
      env: { GREETING: "it's $HOME `x`" },
      workingDirectory: '/tmp',
      restart: 'always',
    });
    await manager.start('sleeper');
    const text = await until('output', () => readFile(out, 'utf8'), WAIT_MS);
    expect(text).toBe("it's $HOME `x`|/tmp|a b");
    const keeper = Number(await readFile(path.join(dir, 'sleeper.supervisor.pid'), 'utf8'));
    const cmdline = await readFile(`/proc/${keeper}/cmdline`, 'utf8');
    expect(cmdline.split('\0').slice(0, 2)).toEqual(['/bin/sh', path.join(dir, 'mesh-keeper.sh')]);
  });

  it('tells a keeper killed with its program ("crashed") from one stopped on purpose', async () => {
    await manager.install({ name: 'sleeper', description: 's', exec: ['/bin/sleep', '60'] });
    await manager.start('sleeper');
    const program = await until('pid', async () => (await manager.status('sleeper')).pid, WAIT_MS);
    const keeper = Number(await readFile(path.join(dir, 'sleeper.supervisor.pid'), 'utf8'));
    process.kill(keeper, 'SIGKILL');
    process.kill(program, 'SIGKILL');
    await until(
      'crashed',
      async () => ((await manager.status('sleeper')).detail === 'crashed' ? true : undefined),
      WAIT_MS,
    );
    await manager.start('sleeper');
    expect(await manager.status('sleeper')).toMatchObject({ active: true, detail: 'running' });
    await manager.stop('sleeper');
    expect((await manager.status('sleeper')).detail).toBe('stopped');
  });

  it('starts a program waiting out its back-off at once when asked to start', async () => {
    await manager.install({
      name: 'sleeper',
      description: 'fails',
      exec: ['/bin/sh', '-c', 'echo try >> "$0"; exit 1', path.join(dir, 'tries')],
      restartSec: 30,
    });
    await manager.start('sleeper');
    await until(
      'first failure',
      async () => ((await manager.logs('sleeper')).includes('exited 1') ? true : undefined),
      WAIT_MS,
    );
    expect((await manager.status('sleeper')).detail).toBe('restarting');
    await manager.start('sleeper');
    await until(
      'second try',
      async () =>
        (await readFile(path.join(dir, 'tries'), 'utf8')).split('\n').length > 2 ? true : undefined,
      WAIT_MS,
    );
  });
});

describe('starting at once', () => {
  it('five starts at the same moment leave one keeper and one program', async () => {
    await manager.install({ name: 'sleeper', description: 's', exec: ['/bin/sleep', '60'] });
    await Promise.all(Array.from({ length: 5 }, () => manager.start('sleeper')));
    const keeper = Number(await readFile(path.join(dir, 'sleeper.supervisor.pid'), 'utf8'));
    const program = (await manager.status('sleeper')).pid;
    const { execFileSync } = await import('node:child_process');
    const keepers = execFileSync('pgrep', ['-f', `mesh-keeper.sh ${dir} sleeper`], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(keepers).toEqual([String(keeper)]);
    const programs = execFileSync('pgrep', ['-P', String(keeper)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(programs).toEqual([String(program)]);
  });
});

describe('alive', () => {
  it('counts a zombie as dead', async () => {
    // `sleep 60` inherits the background child and never reaps it: a zombie until then.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 60'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = Number(
      await new Promise<string>((r) => parent.stdout.once('data', (d) => r(String(d)))),
    );
    try {
      await until(
        'zombie',
        async () =>
          (await readFile(`/proc/${pid}/stat`, 'utf8')).includes(') Z ') ? true : undefined,
        WAIT_MS,
      );
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(alive(pid)).toBe(false);
      expect(alive(parent.pid)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('renderRunFile', () => {
  it('quotes every word for sh and keeps the policy', () => {
    expect(
      renderRunFile(
        {
          name: 'x',
          description: 'd',
          exec: ['/bin/prog', "it's", 'a b'],
          env: { K: 'v$1' },
          restart: 'always',
          restartSec: 2,
        },
        '/state',
      ),
    ).toBe(
      '# Written by mesh for x; install rewrites it.\nrestart=always\nrestart_ms=2000\nprogram() {\n' +
        "  cd '/state' || exit 1\n  export 'K=v$1'\n  exec '/bin/prog' 'it'\\''s' 'a b'\n}\n",
    );
    expect(() =>
      renderRunFile({ name: 'x', description: 'd', exec: ['/p'], env: { 'A-B': '1' } }, '/'),
    ).toThrow(/A-B/);
  });

  // Root is what starts a service as another user; CI runs as root.
  it.runIf(process.getuid?.() === 0)(
    'runs a program behind setpriv as the user, in place',
    async () => {
      const run = renderRunFile(
        {
          name: 'x',
          description: 'd',
          exec: [...runAsPrefix({ uid: 65534, gid: 65534 }), '/bin/sh', '-c', 'echo $$ $(id -u)'],
        },
        '/',
      );
      const r = await execa('/bin/sh', ['-c', `${run}\necho $$; program`]);
      const [keeperPid, line] = r.stdout.split('\n');
      // The same pid: what the keeper records is the program's own.
      expect(line).toBe(`${keeperPid} 65534`);
    },
  );
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
