import { SYNCTHING_TASK_NAME, WINGET_IDS, windowsActions } from '@mesh/platform';
import { describe, expect, it } from 'vitest';
import { isMeshError } from '../errors.js';
import {
  meshWindowsIntent,
  windowsAgentCommand,
  windowsSetupScript,
  windowsStepOf,
} from './windows.js';

const SERVER = 'http://10.99.0.1:8080';

describe('meshWindowsIntent', () => {
  it('is the firewall and Tailscale for native setup, which installs and runs Syncthing itself', () => {
    expect(meshWindowsIntent({ serverUrl: SERVER })).toEqual({
      firewall: true,
      tailscale: { loginUrl: SERVER },
    });
    const script = meshWindowsIntent({
      serverUrl: SERVER,
      distro: 'Ubuntu',
      install: true,
      syncthing: true,
      authKeyStep: true,
    });
    expect(script.install).toEqual([WINGET_IDS.tailscale, WINGET_IDS.syncthing]);
    expect(script.wslAutoStart).toEqual({ distro: 'Ubuntu' });
    expect(script.syncthing?.folder.path).toBe('C:\\shared');
    // The AuthKey step is marked with an empty value: the script reads the key when it runs.
    expect(script.tailscale).toEqual({ loginUrl: SERVER, authKey: '' });
  });
});

describe('windowsStepOf', () => {
  it.each([
    ['firewall:WSL2 SSH', 'windows-firewall'],
    ['firewall:Syncthing Discovery', 'windows-firewall'],
    ['syncthing:config', 'syncthing'],
    ['syncthing:folder:opt-shared', 'syncthing'],
    [`task:${SYNCTHING_TASK_NAME}`, 'syncthing'],
    ['task:Start WSL2', 'windows-wsl-autostart'],
    ['registry:LoginURL', 'windows-tailscale'],
    ['file:tailscaled-env.txt', 'windows-tailscale'],
  ])('%s belongs to the plan step %s', (actionId, step) => {
    expect(windowsStepOf(actionId)).toBe(step);
  });

  it('puts every action of native setup in one of its three Windows steps', () => {
    const ids = windowsActions(meshWindowsIntent({ serverUrl: SERVER, distro: 'Ubuntu' })).map(
      (a) => a.id,
    );
    expect(new Set(ids.map(windowsStepOf))).toEqual(
      new Set(['windows-firewall', 'windows-wsl-autostart', 'windows-tailscale']),
    );
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
    const js = 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs';
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
