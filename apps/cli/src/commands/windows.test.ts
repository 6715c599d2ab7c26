import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// The grammar check lives beside the code that generates PowerShell (a devDependency there).
import { powershellSyntaxErrors } from '../../../../packages/platform/src/windows/powershell-syntax.js';
import { reportError } from '../boundary.js';
import { buildCli } from '../cli.js';
import { capturedOutput } from '../output/capture.js';

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
  const { out, text, errText } = capturedOutput({ json: args.includes('--json') });
  let exitCode = 0;
  try {
    await buildCli(args, out).parseAsync();
  } catch (error) {
    exitCode = reportError(out, error, false);
  }
  return { exitCode, stdout: text(), stderr: errText() };
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
    const js = 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs';
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

describe('mesh windows script: every option combination parses as PowerShell', () => {
  const js =
    "C:\\Users\\Jane O'Neil\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs";
  const agents = [
    [],
    ['--agent', 'C:\\Tools\\mesh.exe'],
    ['--agent', js],
    ['--agent', js, '--node', 'D:\\Program Files\\node\\node.exe'],
  ];
  const combos = [undefined, "D:\\Jane's files\\{shared} $x"].flatMap((folder) =>
    [[], ['--distro', 'Ubuntu-22.04']].flatMap((distro) =>
      agents.map((agent) => ({ folder, args: [...distro, ...agent] })),
    ),
  );

  it.each(combos)('%j', async ({ folder, args }) => {
    if (folder) vi.stubEnv('MESH_SHARED_FOLDER_WINDOWS', folder);
    const r = await mesh(['windows', 'script', '--server', SERVER, ...args, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { script: string; sharedFolder: string };
    expect(doc.sharedFolder).toBe(folder ?? 'C:\\shared');
    expect(await powershellSyntaxErrors(doc.script)).toEqual([]);
    // Syncthing is always set up, at the folder the settings name.
    expect(doc.script).toContain(
      `Invoke-MeshStep 'Syncthing folder opt-shared (Shared Workspace) at ${(folder ?? 'C:\\shared').replace(/'/g, "''")}:`,
    );
  });

  it('the check fails on the same script with one brace gone', async () => {
    const r = await mesh([...BASE, '--json']);
    const { script } = JSON.parse(r.stdout) as { script: string };
    const broken = script.replace(
      "'Syncthing answering on 127.0.0.1:8386' {",
      "'Syncthing answering on 127.0.0.1:8386'",
    );
    expect(broken).not.toBe(script);
    expect(await powershellSyntaxErrors(broken)).not.toEqual([]);
  });
});
