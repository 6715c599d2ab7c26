import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunner, type Runner, type RunOptions } from '../runner.js';
import {
  parseSystemctlShow,
  quoteExecArg,
  renderSystemdUnit,
  systemdServiceManager,
} from './systemd.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-systemd-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const spec = {
  name: 'mesh-test',
  description: 'Mesh test service',
  exec: ['/bin/true', '--flag=a b', '100%', '$HOME', 'quote"d'],
  env: { STNOUPGRADE: '1', TS_NO_LOGS_NO_SUPPORT: 'true' },
  workingDirectory: '/tmp',
};

/** A runner that records each command line and answers what `answer` says (exit 0, no output). */
function recordingRunner(
  answer: (
    file: string,
    args: readonly string[],
  ) => { exitCode?: number; stdout?: string } = () => ({}),
): { calls: string[]; runner: Runner } {
  const calls: string[] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args, _o: RunOptions = {}) {
      calls.push([file, ...args].join(' '));
      const { exitCode = 0, stdout = '' } = answer(file, args);
      return { command: file, exitCode, stdout, stderr: '', timedOut: false };
    },
  };
  return { calls, runner };
}

describe('systemd units', () => {
  it('quotes ExecStart words per systemd.service(5)', () => {
    expect(quoteExecArg('/bin/true')).toBe('/bin/true');
    expect(quoteExecArg('a b')).toBe('"a b"');
    expect(quoteExecArg('100%')).toBe('100%%');
    expect(quoteExecArg('$HOME')).toBe('"$$HOME"');
    expect(quoteExecArg('q"\\')).toBe('"q\\"\\\\"');
    expect(quoteExecArg('')).toBe('""');
  });

  it('renders a system unit', () => {
    expect(renderSystemdUnit({ ...spec, user: 'mesh' })).toBe(
      [
        '# Written by @mesh/platform; edits are replaced on the next install.',
        '[Unit]',
        'Description=Mesh test service',
        'After=network-online.target',
        'Wants=network-online.target',
        '',
        '[Service]',
        'Type=simple',
        'ExecStart=/bin/true "--flag=a b" 100%% "$$HOME" "quote\\"d"',
        'Environment="STNOUPGRADE=1"',
        'Environment="TS_NO_LOGS_NO_SUPPORT=true"',
        'WorkingDirectory=/tmp',
        'User=mesh',
        'Restart=on-failure',
        'RestartSec=5',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
  });

  it('verify catches a bad unit (so the check below means something)', async () => {
    const file = path.join(dir, 'bad.service');
    await writeFile(file, '[Service]\nExecStart=/bin/true\nBogusKey=1\n');
    const r = await createRunner().run('systemd-analyze', ['verify', '--man=no', file], {
      timeout: 30_000,
    });
    expect(r.stderr).toContain("Unknown key 'BogusKey'");
  });

  it('renders group, reload signal and hardening for system units, and verifies them', async () => {
    const hardened = {
      ...spec,
      name: 'mesh-test-hardened',
      user: 'root',
      group: 'root',
      reloadSignal: 'HUP' as const,
      hardening: { readWritePaths: [dir, dir], capabilities: ['CAP_NET_BIND_SERVICE'] },
    };
    const unit = renderSystemdUnit(hardened);
    expect(unit).toContain('\nGroup=root\nExecReload=/bin/kill -HUP $MAINPID\n');
    expect(unit).toContain(`\nReadWritePaths=${dir}\n`);
    expect(unit).toContain('\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n');
    expect(unit).toContain('\nProtectSystem=strict\n');
    expect(renderSystemdUnit(hardened, 'user')).not.toContain('ProtectSystem');
    expect(() =>
      renderSystemdUnit({ ...hardened, hardening: { readWritePaths: ['relative'] } }),
    ).toThrow(/absolute/);
    const file = path.join(dir, 'mesh-test-hardened.service');
    await writeFile(file, unit);
    const r = await createRunner().run('systemd-analyze', ['verify', '--man=no', file], {
      timeout: 30_000,
      env: { SYSTEMD_LOG_LEVEL: 'notice' },
    });
    expect({
      exitCode: r.exitCode,
      stderr: r.stderr.split('\n').filter((l) => l.includes(path.basename(file))),
    }).toEqual({ exitCode: 0, stderr: [] });
  });

  it.each(['system', 'user'] as const)('%s units pass systemd-analyze verify', async (scope) => {
    const file = path.join(dir, `mesh-test-${scope}.service`);
    await writeFile(file, renderSystemdUnit({ ...spec, name: `mesh-test-${scope}` }, scope));
    // A user manager needs a runtime dir; an empty temp one lets verify work offline.
    const runtime = path.join(dir, 'run');
    await mkdir(runtime, { mode: 0o700 });
    const r = await createRunner().run(
      'systemd-analyze',
      [...(scope === 'user' ? ['--user'] : []), 'verify', '--man=no', file],
      { timeout: 30_000, env: { SYSTEMD_LOG_LEVEL: 'notice', XDG_RUNTIME_DIR: runtime } },
    );
    // verify prints problems with the unit on stderr; a clean unit gives exit 0 and none of them.
    expect({
      exitCode: r.exitCode,
      stderr: r.stderr.split('\n').filter((l) => l.includes(path.basename(file))),
    }).toEqual({
      exitCode: 0,
      stderr: [],
    });
  });
});

describe('systemdServiceManager', () => {
  it('writes the unit atomically, reloads only on change, and drives systemctl/journalctl', async () => {
    const { calls, runner } = recordingRunner((_file, args) =>
      args.includes('show')
        ? {
            stdout:
              'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=42\n',
          }
        : {},
    );
    const m = systemdServiceManager({ scope: 'user', runner, root: dir, env: { HOME: '/home/u' } });
    const first = await m.install(spec);
    expect(first.path).toBe(path.join(dir, 'home/u/.config/systemd/user/mesh-test.service'));
    expect(await readFile(first.path ?? '', 'utf8')).toBe(renderSystemdUnit(spec, 'user'));
    expect((await m.install(spec)).changed).toBe(false);
    await m.enable('mesh-test');
    await m.restart('mesh-test');
    expect(await m.status('mesh-test')).toEqual({
      name: 'mesh-test',
      installed: true,
      active: true,
      enabled: true,
      pid: 42,
      detail: 'active (running)',
    });
    await m.logs('mesh-test', { lines: 5 });
    await m.disable('mesh-test');
    expect(calls).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable mesh-test.service',
      'systemctl --user restart mesh-test.service',
      'systemctl --user show mesh-test.service --property=LoadState,ActiveState,SubState,UnitFileState,MainPID',
      'journalctl --user -u mesh-test.service -n 5 --no-pager -o cat',
      'systemctl --user disable mesh-test.service',
    ]);
    expect(parseSystemctlShow('A=b=c\n')).toEqual({ A: 'b=c' });
  });

  it('uninstall disables and stops the unit, then removes its file; none installed: nothing run', async () => {
    const { calls, runner } = recordingRunner();
    const m = systemdServiceManager({ runner, root: dir, unitDir: '/etc/systemd/system' });
    await m.uninstall('mesh-test');
    expect(calls).toEqual([]);
    const { path: file } = await m.install({ ...spec, exec: ['/bin/true'] });
    calls.length = 0;
    await m.uninstall('mesh-test');
    expect(calls).toEqual(['systemctl disable --now mesh-test.service', 'systemctl daemon-reload']);
    await expect(readFile(file ?? '', 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives a system unit its own account: created once, its paths given to it', async () => {
    let exists = false;
    const { calls, runner } = recordingRunner((file) => {
      if (file === 'useradd') exists = true;
      return { exitCode: file === 'getent' && !exists ? 2 : 0 };
    });
    const m = systemdServiceManager({ runner, root: dir, unitDir: '/etc/systemd/system' });
    const svc = {
      ...spec,
      exec: ['/usr/bin/svc'],
      user: 'svc',
      workingDirectory: '/var/lib/svc',
      readable: ['/etc/svc', '/etc/svc/config.yaml'],
      hardening: { readWritePaths: ['/var/lib/svc'], runtimeDirectory: 'svc' },
    };
    expect((await m.install(svc)).changed).toBe(true);
    expect(calls).toEqual([
      'getent passwd svc',
      'useradd --system --user-group --no-create-home --home-dir /var/lib/svc --shell /usr/sbin/nologin svc',
      'mkdir -p /var/lib/svc',
      'chown -R svc:svc /var/lib/svc',
      'chgrp svc /etc/svc',
      'chmod g+rX /etc/svc',
      'chgrp svc /etc/svc/config.yaml',
      'chmod g+rX /etc/svc/config.yaml',
      'systemctl daemon-reload',
    ]);
    const unit = await readFile(path.join(dir, 'etc/systemd/system/mesh-test.service'), 'utf8');
    expect(unit).toContain('RuntimeDirectory=svc\nRuntimeDirectoryMode=0750\n');
    calls.length = 0;
    expect((await m.install(svc)).changed).toBe(false);
    expect(calls.some((c) => c.startsWith('useradd'))).toBe(false);
  });
});
