import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

// The bundle is what users run: it must work with nothing but Node (no workspace, no source).
const bin = fileURLToPath(new URL('../bin/mesh.cjs', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/mesh.cjs', import.meta.url));

describe.each([
  ['bin entry', bin],
  ['bundle', bundle],
])('%s', (_name, file) => {
  it('prints its version', async () => {
    const { stdout } = await execa('node', [file, '--version'], { timeout: 15_000 });
    expect(stdout.trim()).toBe(packageJson.version);
  });

  it('prints help with every command group', async () => {
    const { stdout } = await execa('node', [file, '--help'], { timeout: 15_000 });
    for (const command of ['server', 'client', 'peer', 'status']) {
      expect(stdout).toContain(`mesh ${command}`);
    }
  });

  it('refuses an unknown flag with one line and exit code 2', async () => {
    const result = await execa('node', [file, 'status', '--no-such-flag'], {
      reject: false,
      timeout: 15_000,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the bundle, as users meet it', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mesh-bin-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  /** The bundle in a machine of its own: settings, state and shared folder under `home`. */
  const mesh = (args: string[], env: Record<string, string> = {}) =>
    execa('node', [bundle, ...args], {
      reject: false,
      timeout: 15_000,
      env: {
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_STATE_HOME: path.join(home, '.local/state'),
        MESH_ROOT: home,
        MESH_ROLE: 'server',
        FORCE_COLOR: '0',
        ...env,
      },
    });

  /** Runs the bundle with its stdout closed by the reader before it prints anything. */
  function withClosedStdout(args: string[], env: Record<string, string>) {
    return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('node', [bundle, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: home, FORCE_COLOR: '0', ...env },
      });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
  }

  it.each([
    ['ports server', ['ports', 'server']],
    ['completion', ['completion']],
    ['conflicts', ['conflicts']],
  ])('%s: a reader that closes stdout (| head) ends it quietly', async (_name, args) => {
    const shared = path.join(home, 'many-conflicts');
    await mkdir(shared, { recursive: true });
    for (let i = 0; i < 200; i++) {
      await writeFile(path.join(shared, `f${i}.sync-conflict-20240101-120000-ABCDEFG.txt`), '');
    }
    const r = await withClosedStdout(args, {
      MESH_ROLE: 'server',
      MESH_ROOT: home,
      MESH_SHARED_FOLDER_LINUX: shared,
    });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.code).toBe(0);
  });

  it('names an unknown command next to the suggestion (exit 2)', async () => {
    const r = await mesh(['hots', 'list']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'ERROR: Unknown command: hots\nHint: did you mean `mesh host`? see mesh --help',
    );
  });

  it('prints an invalid choice in full, on one line (exit 2)', async () => {
    const r = await mesh(['ports', 'unknown']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'ERROR: Invalid value for role: "unknown" (choose server, wsl2, windows)',
    );
  });

  it('completion --help prints help; completion prints the script', async () => {
    const help = await mesh(['completion', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('mesh completion');
    expect(help.stdout).not.toContain('begin-mesh-completions');
    const script = await mesh(['completion']);
    expect(script.stdout).toContain('###-begin-mesh-completions-###');
    expect(script.stdout).toContain('mesh completion >> ~/.bashrc');
  });

  it('the completion script can still ask for completions', async () => {
    const r = await mesh(['--get-yargs-completions', 'mesh', 'serv']);
    expect(r.stdout.split('\n')).toContain('server');
  });

  it('FORCE_COLOR=1 colours without a TTY, FORCE_COLOR=0 does not', async () => {
    expect((await mesh(['ports', 'server'], { FORCE_COLOR: '1' })).stdout).toContain('\u001b[');
    expect((await mesh(['ports', 'server'], { FORCE_COLOR: '0' })).stdout).not.toContain('\u001b[');
  });

  it("mesh ports shows this machine's role, STUN, WireGuard and the Syncthing GUI", async () => {
    const r = await mesh(['ports', '--json'], { MESH_ROLE: 'wsl2' });
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, role: 'wsl2', detected: true });
    expect(report.plans[0]).toMatchObject({
      role: 'wsl2',
      syncthingGuiUrl: 'http://127.0.0.1:8385',
      ports: { derpStun: { port: 3478, protocol: 'udp' }, wireguard: { port: 41641 } },
    });
    const unknown = await mesh(['ports'], { MESH_ROLE: 'unknown' });
    expect(unknown.stdout).toContain("WARN: This machine's role is unknown");
  });

  it('mesh conflicts before setup says so, with no ENOENT (exit 4)', async () => {
    const folder = path.join(home, 'not-yet');
    const r = await mesh(['conflicts'], { MESH_SHARED_FOLDER_LINUX: folder });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toBe(
      `ERROR: There is no shared folder yet at ${folder}\nHint: set this machine up first with \`mesh server setup\`, or point MESH_SHARED_FOLDER_LINUX at the shared folder`,
    );
  });
});
