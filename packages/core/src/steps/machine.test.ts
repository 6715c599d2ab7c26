import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createRunner,
  type Runner,
  type RunResult,
  type ServiceManager,
  windowsActions,
} from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeshContext, type MeshContext } from '../context.js';
import { isMeshError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { clientSetupPlan } from './client-plan.js';
import {
  ensureWslSshdStep,
  installMissingPrograms,
  meshWindowsIntent,
  runMachineSteps,
  windowsAgentCommand,
  windowsSetupScript,
} from './machine.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../platform/src/__fixtures__');
const SERVER = 'http://10.99.0.1:8080';
const SSHD = '/usr/sbin/sshd';
const HAVE_SSHD = existsSync(SSHD);
if (!HAVE_SSHD) console.warn(`[machine.test] ${SSHD} is missing: the sshd -t checks are skipped`);

type Handler = (args: readonly string[], input?: string) => Partial<RunResult> | undefined;

/**
 * Answers the programs that cannot run here (powershell.exe, wsl.exe, dpkg-query, apt-get, the
 * `command -v` probe) and runs everything else for real (sshd -t).
 */
function fakeRunner(handlers: Record<string, Handler>): Runner & { calls: string[][] } {
  const real = createRunner();
  const calls: string[][] = [];
  return {
    prefix: [],
    calls,
    async run(file, args, options) {
      calls.push([file, ...args]);
      const answer = handlers[file]?.(args, options?.input);
      if (answer === undefined) return real.run(file, args, options);
      return {
        command: [file, ...args].join(' '),
        exitCode: 0,
        stdout: '',
        stderr: '',
        timedOut: false,
        ...answer,
      };
    },
  };
}

/** `sh -c 'command -v NAME'` answered from a set of installed programs. */
function probe(present: Set<string>): Handler {
  return (args) => {
    const name = /command -v (\S+)/.exec(args.join(' '))?.[1] ?? '';
    return { exitCode: present.has(name) ? 0 : 1 };
  };
}

function collector(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`INFO: ${m}`),
    ok: (m) => lines.push(`OK: ${m}`),
    warn: (m) => lines.push(`WARN: ${m}`),
    wait: (m) => ({
      done: () => lines.push(`OK: ${m}`),
      fail: () => lines.push(`FAIL: ${m}`),
    }),
  };
}

let root: string;

/** A temp machine root holding the recorded WSL2 host (kernel, os-release) and its files. */
async function wslRoot(o: { systemd?: boolean } = {}): Promise<string> {
  await cp(path.join(FIXTURES, 'hosts/wsl2'), root, { recursive: true });
  // Interop absent, as in a distro where Windows programs cannot start.
  await rm(path.join(root, 'proc/sys/fs/binfmt_misc'), { recursive: true, force: true });
  await writeFile(path.join(root, 'proc/1/comm'), o.systemd ? 'systemd\n' : 'init\n');
  await mkdir(path.join(root, 'etc/ssh'), { recursive: true });
  await cp(path.join(FIXTURES, 'files/wsl.conf.default'), path.join(root, 'etc/wsl.conf'));
  await cp(
    path.join(FIXTURES, 'files/sshd_config.ubuntu-22.04'),
    path.join(root, 'etc/ssh/sshd_config'),
  );
  return root;
}

async function context(runner: Runner, env: Record<string, string> = {}): Promise<MeshContext> {
  return createMeshContext({
    env: {
      MESH_ROOT: root,
      HOME: path.join(root, 'home'),
      MESH_HOSTNAME: 'wsl',
      WSL_DISTRO_NAME: 'Ubuntu',
      PATH: process.env['PATH'] ?? '',
      ...env,
    },
    runner,
    reporter: collector(),
  });
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const p = path.join(dir, name);
    out[name] = await readFile(p, 'utf8').catch(() => '<dir>');
  }
  return out;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-machine-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('WSL2 steps of mesh client setup, against a recorded WSL2 root', () => {
  const present = new Set(['tailscale', 'tailscaled', 'syncthing']);

  it('detects WSL2 from the root and plans the systemd, sshd and Windows hand-off steps', async () => {
    await wslRoot();
    const ctx = await context(fakeRunner({ sh: probe(present) }));
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
    await wslRoot();
    const originalConf = await readFile(path.join(root, 'etc/wsl.conf'), 'utf8');
    const originalSshd = await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
    const runner = fakeRunner({ sh: probe(present) });
    const ctx = await context(runner);
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
    const lines = (ctx.reporter as ReturnType<typeof collector>).lines;
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

  it.skipIf(!HAVE_SSHD)(
    'a sshd_config that sshd -t rejects fails the step and stays as it was',
    async () => {
      await wslRoot();
      const bad = 'NoSuchDirective yes\n#Port 22\n';
      await writeFile(path.join(root, 'etc/ssh/sshd_config'), bad);
      const ctx = await context(createRunner());
      const error = await ensureWslSshdStep(ctx, { validateSshd: true }).catch((e: unknown) => e);
      expect(isMeshError(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/sshd -t rejected/);
      expect(await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8')).toBe(bad);
      expect(existsSync(path.join(root, 'etc/ssh/sshd_config.mesh-bak'))).toBe(false);
    },
  );

  it('restarts sshd through the service manager when systemd is PID 1', async () => {
    await wslRoot({ systemd: true });
    const restarted: string[] = [];
    const sm = { restart: async (name: string) => void restarted.push(name) } as ServiceManager;
    const ctx = await context(fakeRunner({ sh: probe(present) }));
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

  it('restarts sshd whose file says 2222 while nothing listens there (never restarted)', async () => {
    await wslRoot({ systemd: true });
    const restarted: string[] = [];
    const sm = { restart: async (name: string) => void restarted.push(name) } as ServiceManager;
    const ctx = await context(fakeRunner({ sh: probe(present) }));
    await ensureWslSshdStep(ctx, { serviceManager: sm, validateSshd: false });
    const sshd = await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
    const r = await ensureWslSshdStep(ctx, {
      serviceManager: sm,
      validateSshd: false,
      sshdListens: async () => false,
    });
    expect(restarted).toEqual(['ssh', 'ssh']);
    expect(r.changes).toEqual(['restarted ssh']);
    expect(await readFile(path.join(root, 'etc/ssh/sshd_config'), 'utf8')).toBe(sshd);
  });
});

describe('installing what is missing', () => {
  it('installs only the missing program with the detected package manager, once', async () => {
    await wslRoot();
    // detectPackageManager looks under the root: this root "has" apt.
    await mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await writeFile(path.join(root, 'usr/bin/apt-get'), '');
    const present = new Set(['tailscale', 'tailscaled']);
    const installs: string[] = [];
    const runner = fakeRunner({
      sh: probe(present),
      'dpkg-query': (args) =>
        present.has(args.at(-1) ?? '')
          ? { stdout: 'install ok installed' }
          : { exitCode: 1, stderr: 'no packages found' },
      env: (args) => {
        installs.push(args.join(' '));
        present.add(args.at(-1) ?? '');
        return {};
      },
      sudo: (args) => {
        installs.push(args.join(' '));
        present.add(args.at(-1) ?? '');
        return {};
      },
    });
    // Explicit binaries would bypass the probe; this machine's are unset here.
    const ctx = await context(runner);
    const first = await installMissingPrograms(ctx);
    expect(first).toMatchObject({ status: 'changed', changes: ['installed syncthing (apt)'] });
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(
      /DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends syncthing$/,
    );
    const second = await installMissingPrograms(ctx);
    expect(second).toEqual({ id: 'install', status: 'ok', changes: [] });
    expect(installs).toHaveLength(1);
  });

  it('without a package manager, a missing program is bad input (exit 4) and nothing runs', async () => {
    await wslRoot();
    const runner = fakeRunner({ sh: probe(new Set(['tailscale', 'tailscaled'])) });
    const ctx = await context(runner);
    const error = await installMissingPrograms(ctx).catch((e: unknown) => e);
    expect(isMeshError(error) && error.kind).toBe('badInput');
    expect((error as Error).message).toContain('missing programs: syncthing');
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
    await wslRoot();
    const win = fakeWindows(SERVER);
    const ctx0 = await context(win.runner);
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

describe('windowsSetupScript (mesh windows script)', () => {
  it('renders the reviewable script for this server with no key in it', () => {
    const script = windowsSetupScript({ serverUrl: `${SERVER}/`, distro: 'Ubuntu' });
    expect(script).toContain('\r\n');
    for (const name of ['WSL2 SSH', 'Syncthing Windows', 'Syncthing WSL2', 'Syncthing Discovery'])
      expect(script).toContain(`'${name}'`);
    expect(script).toContain("'Start WSL2'");
    expect(script).toContain(`'${SERVER}'`);
    expect(script).toContain('[string]$AuthKey = $env:MESH_TAILSCALE_AUTHKEY');
    expect(script).toContain('Tailscale.Tailscale');
    // The AuthKey step exists but only ever reads the parameter.
    expect(script).toMatch(/-Name 'AuthKey' -Value \$AuthKey/);
    expect(script).not.toMatch(/hskey-|tskey-/);
    expect(windowsSetupScript({ serverUrl: SERVER })).not.toContain('Start WSL2');
    expect(script).not.toContain('Mesh Agent');
  });

  it('adds the Mesh Agent task after Start WSL2 and before Tailscale when given a command', () => {
    const agent = windowsAgentCommand('C:\\Tools\\mesh.exe');
    const script = windowsSetupScript({ serverUrl: SERVER, distro: 'Ubuntu', agent });
    const names = [...script.matchAll(/Invoke-MeshStep '([^']+)'/g)].map((m) => m[1] ?? '');
    const wsl = names.findIndex((n) => n.startsWith('scheduled task Start WSL2'));
    expect(names[wsl + 1]).toBe(
      'scheduled task Mesh Agent (C:\\Tools\\mesh.exe agent run at logon)',
    );
    expect(names[wsl + 2]).toMatch(/^registry .*LoginURL/);
    expect(script).toContain(
      "$a = New-ScheduledTaskAction -Execute 'C:\\Tools\\mesh.exe' -Argument 'agent run';",
    );
    expect(meshWindowsIntent({ serverUrl: SERVER, agent }).agent).toEqual(agent);
  });
});

describe('windowsAgentCommand (mesh windows script --agent)', () => {
  it('runs a single-file mesh.exe alone, and mesh.js under node.exe', () => {
    expect(windowsAgentCommand('C:\\Tools\\mesh.exe')).toEqual({
      program: 'C:\\Tools\\mesh.exe',
      args: ['agent', 'run'],
    });
    const js = 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\dist\\mesh.js';
    expect(windowsAgentCommand(js)).toEqual({
      program: 'C:\\Program Files\\nodejs\\node.exe',
      args: [js, 'agent', 'run'],
    });
    expect(windowsAgentCommand(js, 'D:\\node\\node.exe').program).toBe('D:\\node\\node.exe');
  });

  it.each([
    [
      '/mnt/c/Tools/mesh.exe',
      undefined,
      '--agent must be an absolute Windows path: "/mnt/c/Tools/mesh.exe"',
    ],
    ['mesh.exe', undefined, '--agent must be an absolute Windows path: "mesh.exe"'],
    ['C:\\Tools\\mesh', undefined, '--agent must name mesh.exe or mesh.js: "C:\\\\Tools\\\\mesh"'],
    [
      'C:\\Tools\\mesh.exe',
      'C:\\node.exe',
      '--node is for a mesh.js agent: mesh.exe runs without Node.js',
    ],
    [
      'C:\\Tools\\"mesh.exe',
      undefined,
      '--agent: not an absolute Windows path of a program: "C:\\\\Tools\\\\\\"mesh.exe"',
    ],
    [
      'C:\\a\nb\\mesh.js',
      undefined,
      '--agent: not a usable argument: "C:\\\\a\\nb\\\\mesh.js" (empty, or with a quote or a line break)',
    ],
    [
      'C:\\Tools\\mesh.js',
      'node.exe',
      '--node: not an absolute Windows path of a program: "node.exe"',
    ],
  ])('refuses --agent %j --node %j as bad input', (mesh, node, message) => {
    let error: unknown;
    try {
      windowsAgentCommand(mesh, node);
    } catch (e) {
      error = e;
    }
    expect(isMeshError(error) && error.kind).toBe('badInput');
    expect((error as Error).message).toBe(message);
    expect((error as { hint: string }).hint).not.toBe('');
  });
});
