import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../boundary.js';
import { buildCli } from '../cli.js';
import { Output } from '../output/output.js';

const SERVER = 'http://10.99.0.1:8080';
const BASE = ['windows', 'script', '--server', SERVER, '--distro', 'Ubuntu'];

let home: string;

beforeEach(async () => {
  // The command reads settings from HOME and the environment: give it an empty machine.
  home = await mkdtemp(path.join(os.tmpdir(), 'mesh-windows-'));
  vi.stubEnv('HOME', home);
  vi.stubEnv('XDG_CONFIG_HOME', path.join(home, '.config'));
  vi.stubEnv('XDG_STATE_HOME', path.join(home, '.local', 'state'));
  // An empty settings file: MESH_ENV_FILE naming no file is bad input.
  await writeFile(path.join(home, 'empty.env'), '');
  vi.stubEnv('MESH_ENV_FILE', path.join(home, 'empty.env'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

async function mesh(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const json = args.includes('--json');
  const out = new Output({
    json,
    env: {},
    streams: {
      stdout: { write: (s: string) => stdout.push(s) },
      stderr: { write: (s: string) => stderr.push(s) },
    },
  });
  let exitCode = 0;
  try {
    await buildCli(args, out).parseAsync();
  } catch (error) {
    exitCode = reportError(out, error, false);
  }
  return { exitCode, stdout: stdout.join(''), stderr: stderr.join('') };
}

describe('mesh windows script --agent', () => {
  it('adds the Mesh Agent task for a single-file mesh.exe', async () => {
    const r = await mesh([...BASE, '--agent', 'C:\\Tools\\mesh.exe']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "Invoke-MeshStep 'scheduled task Mesh Agent (C:\\Tools\\mesh.exe agent run at logon)' {",
    );
    expect(r.stdout).toContain(
      "$_.Execute -eq 'C:\\Tools\\mesh.exe' -and $_.Arguments -eq 'agent run'",
    );
    expect(r.stderr).not.toContain('--agent');
  });

  it('runs a mesh.js under node.exe, the default one or --node', async () => {
    const js = 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\dist\\mesh.js';
    const r = await mesh([...BASE, '--agent', js, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { agent: string[]; script: string };
    expect(doc.agent).toEqual(['C:\\Program Files\\nodejs\\node.exe', js, 'agent', 'run']);
    expect(doc.script).toContain(
      `-Execute 'C:\\Program Files\\nodejs\\node.exe' -Argument '${js} agent run';`,
    );
    const node = await mesh([...BASE, '--agent', js, '--node', 'D:\\node\\node.exe']);
    expect(node.stdout).toContain(`-Execute 'D:\\node\\node.exe' -Argument '${js} agent run';`);
  });

  it('without --agent, warns on stderr and the script has no Mesh Agent task', async () => {
    const r = await mesh(BASE);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Mesh Agent');
    expect(r.stderr).toContain(
      'WARN: No --agent given (the Windows path of mesh.exe or mesh.js): the script has no Mesh Agent task',
    );
  });

  it.each([
    [['--agent', '/mnt/c/Tools/mesh.exe'], '--agent must be an absolute Windows path'],
    [['--agent', 'C:\\Tools\\mesh.sh'], '--agent must name mesh.exe or mesh.js'],
    [['--agent', 'C:\\Tools\\mesh.exe', '--node', 'C:\\node.exe'], '--node is for a mesh.js agent'],
    [['--agent', 'C:\\Tools\\mesh.js', '--node', 'node.exe'], '--node: not an absolute Windows'],
    [['--node', 'C:\\node.exe'], '--node needs --agent'],
  ])('%j is bad input: exit 4, one line and a hint, no script', async (flags, message) => {
    const r = await mesh([...BASE, ...flags]);
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.find((l) => l.startsWith('ERROR:'))).toContain(message);
    expect(lines.at(-1)).toMatch(/^Hint: \S/);
  });
});
