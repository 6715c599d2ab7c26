import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRunner, type Runner, type RunResult } from '@mesh/platform';
import { createMeshContext, type MeshContext } from '../src/context.js';
import type { Reporter } from '../src/reporter.js';

/** The recorded hosts and files of `@mesh/platform`'s own tests. */
const FIXTURES = path.resolve(import.meta.dirname, '../../platform/src/__fixtures__');

export const SSHD = '/usr/sbin/sshd';
export const HAVE_SSHD = existsSync(SSHD);
if (!HAVE_SSHD) console.warn(`[wsl-root] ${SSHD} is missing: the sshd -t checks are skipped`);

export type Handler = (args: readonly string[], input?: string) => Partial<RunResult> | undefined;

/**
 * Answers the programs that cannot run here (powershell.exe, wsl.exe, dpkg-query, apt-get, the
 * `command -v` probe) and runs everything else for real (sshd -t).
 */
export function fakeRunner(handlers: Record<string, Handler>): Runner & { calls: string[][] } {
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
export function probe(present: Set<string>): Handler {
  return (args) => {
    const name = /command -v (\S+)/.exec(args.join(' '))?.[1] ?? '';
    return { exitCode: present.has(name) ? 0 : 1 };
  };
}

export function collector(): Reporter & { lines: string[] } {
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

/** Fills `root` with the recorded WSL2 host (kernel, os-release) and its wsl.conf and sshd_config. */
export async function wslRoot(root: string, o: { systemd?: boolean } = {}): Promise<string> {
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

/** The context of the machine under `root`: WSL2 distro `Ubuntu`, reporting to a {@link collector}. */
export async function wslContext(
  root: string,
  runner: Runner,
  env: Record<string, string> = {},
): Promise<MeshContext> {
  return createMeshContext({
    cwd: root,
    env: {
      MESH_ROOT: root,
      HOME: path.join(root, 'home'),
      MESH_HOSTNAME: 'wsl',
      WSL_DISTRO_NAME: 'Ubuntu',
      PATH: process.env['PATH'] ?? '',
      // No test reaches the internet: a release download goes to a closed loopback port unless
      // the test serves one.
      MESH_TAILSCALE_PACKAGES_URL: 'http://127.0.0.1:9/tailscale',
      MESH_SYNCTHING_RELEASES_URL: 'http://127.0.0.1:9/syncthing',
      MESH_HEADSCALE_RELEASES_URL: 'http://127.0.0.1:9/headscale',
      ...env,
    },
    runner,
    reporter: collector(),
  });
}

/**
 * A {@link wslRoot} machine with apt, where `present` is what `command -v` and dpkg find; an
 * apt install adds to it, or fails as apt does without a network when `online` is false.
 * `installs` lists each install's arguments.
 */
export async function aptMachine(
  root: string,
  o: { present?: Set<string>; online?: boolean; env?: Record<string, string> } = {},
): Promise<{ ctx: MeshContext; installs: string[]; present: Set<string> }> {
  await wslRoot(root);
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'usr/bin/apt-get'), '');
  const present = o.present ?? new Set<string>();
  const installs: string[] = [];
  const install = (args: readonly string[]) => {
    installs.push(args.join(' '));
    if (o.online === false) {
      return { exitCode: 100, stderr: `E: Unable to locate package ${args.at(-1)}` };
    }
    present.add(args.at(-1) ?? '');
    return {};
  };
  const runner = fakeRunner({
    sh: probe(present),
    'dpkg-query': (args) =>
      present.has(args.at(-1) ?? '')
        ? { stdout: 'install ok installed' }
        : { exitCode: 1, stderr: 'no packages found' },
    env: install,
    sudo: install,
  });
  return { ctx: await wslContext(root, runner, o.env), installs, present };
}

/** The lines a {@link wslContext} reported. */
export function reported(ctx: MeshContext): string[] {
  return (ctx.reporter as ReturnType<typeof collector>).lines;
}

/** The files directly in `dir` with their content (`<dir>` for a folder): to show nothing changed. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const p = path.join(dir, name);
    out[name] = await readFile(p, 'utf8').catch(() => '<dir>');
  }
  return out;
}
