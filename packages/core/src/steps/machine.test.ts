import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ServiceManager, windowsActions } from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeRunner,
  HAVE_SSHD,
  probe,
  reported,
  SSHD,
  snapshot,
  wslContext,
  wslRoot,
} from '../../test/wsl-root.js';
import type { MeshContext } from '../context.js';
import { type ClientStep, clientSetupPlan } from './client-plan.js';
import { isMachineStep, runMachineStep } from './machine.js';
import type { MachineStepResult, MachineStepsOptions } from './machine-step.js';
import { meshWindowsIntent } from './windows.js';

const SERVER = 'http://10.99.0.1:8080';

/** The machine steps of a plan in order, one Windows apply for all three Windows steps, as `clientSetup` runs them. */
async function runMachineSteps(
  ctx: MeshContext,
  steps: readonly ClientStep[],
  serverUrl: string,
  o: MachineStepsOptions = {},
): Promise<MachineStepResult[]> {
  const windowsDone = { value: false };
  const results: MachineStepResult[] = [];
  for (const step of steps) {
    if (isMachineStep(step.id))
      results.push(...(await runMachineStep(ctx, step, serverUrl, { ...o, windowsDone })));
  }
  return results;
}

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-machine-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('WSL2 steps of mesh client setup, against a recorded WSL2 root', () => {
  const present = new Set(['tailscale', 'tailscaled', 'syncthing']);

  it('detects WSL2 from the root and plans the systemd, sshd and Windows hand-off steps', async () => {
    await wslRoot(root);
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    expect(ctx.platform.osType).toBe('wsl2');
    expect(ctx.platform.wsl).toMatchObject({ version: 2, distro: 'Ubuntu', interop: false });
    expect(ctx.platform.systemd).toBe(false);
    const ids = clientSetupPlan(ctx.platform, ctx.role, { peer: false }).map((s) => s.id);
    expect(ids).toEqual([
      'health-check',
      'install',
      'tailscaled',
      'join',
      'save-server-url',
      'wsl-systemd',
      'wsl-sshd',
      'syncthing',
      'windows-script',
    ]);
  });

  it('edits wsl.conf and sshd_config once (sshd -t checked), then a second run changes nothing', async () => {
    await wslRoot(root);
    const originalConf = await readFile(path.join(root, 'etc/wsl.conf'), 'utf8');
    const originalSshd = await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
    const runner = fakeRunner({ sh: probe(present) });
    const ctx = await wslContext(root, runner);
    const plan = clientSetupPlan(ctx.platform, ctx.role, { peer: false });

    const first = await runMachineSteps(ctx, plan, SERVER, { validateSshd: HAVE_SSHD });
    expect(first.map((s) => [s.id, s.status])).toEqual([
      ['install', 'ok'],
      ['wsl-systemd', 'changed'],
      ['wsl-sshd', 'changed'],
      ['windows-script', 'manual'],
    ]);
    const conf = await readFile(path.join(root, 'etc/wsl.conf'), 'utf8');
    expect(conf).toBe(
      `${originalConf.replace('service ssh start\n', 'service ssh start\nsystemd=true\n')}`,
    );
    expect(await readFile(path.join(root, 'etc/wsl.conf.mesh-bak'), 'utf8')).toBe(originalConf);
    const sshd = await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
    expect(sshd).toBe(originalSshd.replace('#Port 22\n', '#Port 22\nPort 2222\n'));
    expect(await readFile(path.join(root, 'etc/ssh/sshd_config.mesh-bak'), 'utf8')).toBe(
      originalSshd,
    );
    if (HAVE_SSHD) {
      expect(runner.calls.some(([f, a]) => f === SSHD && a === '-t')).toBe(true);
      expect(first[2]?.changes).toContain('set Port 2222 in /etc/ssh/sshd_config');
    }
    // No systemd: nothing restarted, the user is told exactly what to run.
    const manual = first.flatMap((s) => s.manual ?? []);
    expect(manual.join('\n')).toContain('wsl --shutdown');
    expect(manual.join('\n')).toContain('sudo service ssh restart');
    expect(manual.join('\n')).toContain('mesh windows script');
    const lines = reported(ctx);
    expect(lines).toContain(
      'OK: Enabled systemd in /etc/wsl.conf (previous file kept as wsl.conf.mesh-bak)',
    );
    expect(lines.some((l) => l.startsWith('WARN:') && l.includes('wsl --shutdown'))).toBe(true);
    // Nothing for Windows ran, and nothing elevated.
    expect(runner.calls.some(([f]) => f?.endsWith('.exe'))).toBe(false);

    const etc = await snapshot(path.join(root, 'etc'));
    const ssh = await snapshot(path.join(root, 'etc/ssh'));
    const second = await runMachineSteps(ctx, plan, SERVER, {
      validateSshd: HAVE_SSHD,
      sshdListens: async () => true,
    });
    expect(second.flatMap((s) => s.changes)).toEqual([]);
    expect(second.map((s) => s.status)).toEqual(['ok', 'manual', 'ok', 'manual']);
    expect(await snapshot(path.join(root, 'etc'))).toEqual(etc);
    expect(await snapshot(path.join(root, 'etc/ssh'))).toEqual(ssh);
  });

  it('restarts sshd through the service manager when systemd is PID 1', async () => {
    await wslRoot(root, { systemd: true });
    const restarted: string[] = [];
    const sm = { restart: async (name: string) => void restarted.push(name) } as ServiceManager;
    const ctx = await wslContext(root, fakeRunner({ sh: probe(present) }));
    expect(ctx.platform.systemd).toBe(true);
    const plan = clientSetupPlan(ctx.platform, ctx.role, { peer: false });
    const r = await runMachineSteps(ctx, plan, SERVER, {
      serviceManager: sm,
      validateSshd: false,
    });
    expect(restarted).toEqual(['ssh']);
    expect(r.find((s) => s.id === 'wsl-sshd')?.changes).toContain('restarted ssh');
    // wsl.conf needed a change: WSL must restart for it even though systemd already runs.
    expect(r.find((s) => s.id === 'wsl-systemd')?.manual?.[0]).toContain('wsl --shutdown');
    const again = await runMachineSteps(ctx, plan, SERVER, {
      serviceManager: sm,
      validateSshd: false,
      sshdListens: async () => true,
    });
    expect(restarted).toEqual(['ssh']);
    expect(again.flatMap((s) => s.changes)).toEqual([]);
  });
});

/** powershell.exe / wsl.exe of a Windows host, remembering what was applied. */
function fakeWindows(serverUrl: string) {
  const actions = windowsActions(meshWindowsIntent({ serverUrl, distro: 'Ubuntu' }));
  const checks = new Map(actions.map((a) => [a.check.args.join(' '), a.id]));
  const applies = new Map(actions.flatMap((a) => a.apply.map((c) => [c.args.join(' '), a.id])));
  const applied = new Set<string>();
  const runner = fakeRunner({
    'wsl.exe': () => ({ stdout: 'U\0b\0u\0n\0t\0u\0\r\0\n\0' }),
    'powershell.exe': (args) => {
      const key = args.join(' ');
      const check = checks.get(key);
      if (check) return { exitCode: applied.has(check) ? 0 : 1 };
      const apply = applies.get(key);
      if (apply) {
        applied.add(apply);
        return {};
      }
      return { exitCode: 99, stderr: `unexpected: ${key}` };
    },
  });
  return { runner, actions, applied };
}

describe('Windows steps (native), with powershell.exe answered by a fake', () => {
  it('applies the firewall rules, Start WSL2 task and Tailscale values once', async () => {
    await wslRoot(root);
    const win = fakeWindows(SERVER);
    const ctx0 = await wslContext(root, win.runner);
    const ctx: MeshContext = {
      ...ctx0,
      platform: { ...ctx0.platform, os: 'windows', osType: 'windows' },
    };
    const plan = clientSetupPlan(ctx.platform, 'windows', { peer: false }).filter((s) =>
      s.id.startsWith('windows-'),
    );
    expect(plan.map((s) => s.id)).toEqual([
      'windows-firewall',
      'windows-wsl-autostart',
      'windows-tailscale',
    ]);
    const first = await runMachineSteps(ctx, plan, SERVER, { windowsRunner: win.runner });
    expect(first.map((s) => [s.id, s.status, s.changes.length])).toEqual([
      ['windows-firewall', 'changed', 4],
      ['windows-wsl-autostart', 'changed', 1],
      ['windows-tailscale', 'changed', 3],
    ]);
    expect(first[0]?.changes.join('\n')).toMatch(
      /WSL2 SSH[\s\S]*Syncthing Windows[\s\S]*Syncthing WSL2[\s\S]*Syncthing Discovery/,
    );
    expect(first[1]?.changes[0]).toContain('Start WSL2');
    expect(win.applied.size).toBe(win.actions.length);

    const second = await runMachineSteps(ctx, plan, SERVER, { windowsRunner: win.runner });
    expect(second.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(second.flatMap((s) => s.changes)).toEqual([]);
  });
});

describe('isMachineStep', () => {
  it('is true for the installs, WSL2 and Windows steps only', () => {
    const all: Array<[ClientStep['id'], boolean]> = [
      ['install', true],
      ['wsl-systemd', true],
      ['wsl-sshd', true],
      ['windows-firewall', true],
      ['windows-wsl-autostart', true],
      ['windows-tailscale', true],
      ['windows-script', true],
      ['save-server-url', false],
      ['health-check', false],
      ['tailscaled', false],
      ['join', false],
      ['syncthing', false],
      ['peer', false],
    ];
    expect(all.map(([id]) => [id, isMachineStep(id)])).toEqual(all);
  });
});
