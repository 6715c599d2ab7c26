import { describe, expect, it } from 'vitest';
import type { Runner, RunOptions, RunResult } from '../runner.js';
import { SYNCTHING_INTENT } from './__fixtures__/syncthing-intent.js';
import {
  defaultFirewallRules,
  firewallRuleAction,
  meshAgentTaskAction,
  parseWslList,
  tailscaleWindowsActions,
  windowsActions,
  wingetPackageAction,
  wslAutoStartAction,
} from './actions.js';
import { applyWindowsIntent } from './apply.js';
import { renderWindowsScript } from './script.js';

const PS = ['-NoProfile', '-NonInteractive', '-Command'];
const ps = (script: string) => ({
  file: 'powershell.exe',
  args: [...PS, `$ErrorActionPreference = 'Stop'; ${script}`],
});

describe('Windows actions: exact commands', () => {
  it('the four default firewall rules', () => {
    expect(defaultFirewallRules()).toEqual([
      { displayName: 'WSL2 SSH', protocol: 'TCP', port: 2222 },
      { displayName: 'Syncthing Windows', protocol: 'TCP', port: 22002 },
      { displayName: 'Syncthing WSL2', protocol: 'TCP', port: 22001 },
      { displayName: 'Syncthing Discovery', protocol: 'UDP', port: 21027 },
    ]);
  });

  it('firewall rule: check and apply', () => {
    const a = firewallRuleAction({ displayName: 'WSL2 SSH', protocol: 'TCP', port: 2222 });
    expect(a.id).toBe('firewall:WSL2 SSH');
    expect(a.check).toEqual(
      ps(
        "if ((@(Get-NetFirewallRule -DisplayName 'WSL2 SSH' -ErrorAction SilentlyContinue | Where-Object { " +
          "$_.Enabled -eq 'True' -and $_.Direction -eq 'Inbound' -and $_.Action -eq 'Allow' -and " +
          "@($_ | Get-NetFirewallPortFilter | Where-Object { $_.Protocol -eq 'TCP' -and $_.LocalPort -eq '2222' }).Count -gt 0 " +
          '}).Count -gt 0)) { exit 0 } else { exit 1 }',
      ),
    );
    expect(a.apply).toEqual([
      ps(
        "if (Get-NetFirewallRule -DisplayName 'WSL2 SSH' -ErrorAction SilentlyContinue) { " +
          "Set-NetFirewallRule -DisplayName 'WSL2 SSH' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 2222 -Enabled True } else { " +
          "New-NetFirewallRule -DisplayName 'WSL2 SSH' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 2222 | Out-Null }",
      ),
    ]);
  });

  it('Start WSL2 task', () => {
    const a = wslAutoStartAction({ distro: 'Ubuntu-22.04' });
    expect(a.apply).toEqual([
      ps(
        "if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { throw 'WSL auto-start must be configured from a user session' }; " +
          "$a = New-ScheduledTaskAction -Execute 'wsl.exe' -Argument '-d Ubuntu-22.04 -- true'; " +
          '$t = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME; ' +
          '$s = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries; ' +
          "Register-ScheduledTask -TaskName 'Start WSL2' -Action $a -Trigger $t -Settings $s " +
          "-Description 'Starts WSL2 at login for SSH and Syncthing services' -Force | Out-Null",
      ),
    ]);
    expect(a.check.args.at(-1)).toContain(
      "Get-ScheduledTask -TaskName 'Start WSL2' -ErrorAction SilentlyContinue",
    );
    expect(
      wslAutoStartAction({ distro: 'Ubuntu', user: "o'brien" }).apply[0]?.args.at(-1),
    ).toContain("-AtLogOn -User 'o''brien'");
    expect(() => wslAutoStartAction({ distro: 'Ubuntu; rm' })).toThrow(/distro/);
  });

  it('Mesh Agent task: exact test and apply for node.exe and mesh.js', () => {
    const a = meshAgentTaskAction({
      program: 'C:\\Program Files\\nodejs\\node.exe',
      args: [
        'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs',
        'agent',
        'run',
      ],
    });
    const test =
      "(@(Get-ScheduledTask -TaskName 'Mesh Agent' -ErrorAction SilentlyContinue | Where-Object { " +
      "@($_.Actions | Where-Object { $_.Execute -eq 'C:\\Program Files\\nodejs\\node.exe' -and " +
      "$_.Arguments -eq 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs agent run' }).Count -gt 0 " +
      '}).Count -gt 0)';
    const apply =
      "if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { throw 'the Mesh Agent task must be configured from a user session' }; " +
      "$a = New-ScheduledTaskAction -Execute 'C:\\Program Files\\nodejs\\node.exe' " +
      "-Argument 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs agent run'; " +
      '$t = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME; ' +
      '$s = New-ScheduledTaskSettingsSet -Hidden -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries ' +
      '-ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1); ' +
      '$p = New-ScheduledTaskPrincipal -UserId $env:USERNAME -LogonType Interactive -RunLevel Highest; ' +
      "Register-ScheduledTask -TaskName 'Mesh Agent' -Action $a -Trigger $t -Settings $s -Principal $p " +
      "-Description 'Runs the mesh agent at logon: vouches for this node and pairs the shared folder' -Force | Out-Null";
    expect(a.id).toBe('task:Mesh Agent');
    expect(a.script).toEqual({ test, apply });
    expect(a.check).toEqual(ps(`if (${test}) { exit 0 } else { exit 1 }`));
    expect(a.apply).toEqual([ps(apply)]);
  });

  it('Mesh Agent task: the test matches Execute and Arguments exactly, so a rerun changes nothing', () => {
    const exe = meshAgentTaskAction({ program: 'C:\\Tools\\mesh.exe', args: ['agent', 'run'] });
    expect(exe.script.test).toContain(
      "$_.Execute -eq 'C:\\Tools\\mesh.exe' -and $_.Arguments -eq 'agent run'",
    );
    // The value the test compares is the value apply registers.
    expect(exe.script.apply).toContain(
      "New-ScheduledTaskAction -Execute 'C:\\Tools\\mesh.exe' -Argument 'agent run';",
    );
    expect(exe.description).toBe(
      'scheduled task Mesh Agent (C:\\Tools\\mesh.exe agent run at logon)',
    );
    const moved = meshAgentTaskAction({ program: 'D:\\mesh.exe', args: ['agent', 'run'] });
    expect(moved.script.test).not.toBe(exe.script.test);
  });

  it('Mesh Agent task: spaces and quotes in paths, another user', () => {
    const a = meshAgentTaskAction({
      program: 'C:\\Program Files\\nodejs\\node.exe',
      args: ["C:\\Users\\Jane O'Neil\\{npm}\\mesh.js", 'agent', 'run'],
      user: "o'brien",
    });
    // The Windows command line quotes the path; `"` is built from [char]34, never written.
    const args = "('{0}C:\\Users\\Jane O''Neil\\{{npm}}\\mesh.js{0} agent run' -f [char]34)";
    expect(a.script.test).toContain(`$_.Arguments -eq ${args} }`);
    expect(a.script.apply).toContain(`-Argument ${args};`);
    expect(a.script.apply).toContain("-AtLogOn -User 'o''brien'");
    expect(a.script.apply).toContain("-UserId 'o''brien' -LogonType Interactive");
    for (const c of [a.check, ...a.apply]) expect(c.args.join(' ')).not.toContain('"');
  });

  it('Mesh Agent task: refuses paths and arguments it cannot quote', () => {
    const ok = { program: 'C:\\Tools\\mesh.exe', args: ['agent', 'run'] };
    for (const program of [
      'mesh.exe',
      '/mnt/c/Tools/mesh.exe',
      'C:mesh.exe',
      'C:\\Tools\\',
      '\\\\server\\share\\mesh.exe',
      'C:\\Tools\\"mesh.exe',
      'C:\\Tools\\mesh.exe\nrun',
    ]) {
      expect(() => meshAgentTaskAction({ ...ok, program })).toThrowError(
        expect.objectContaining({
          name: 'PlatformConfigError',
          variable: 'agent.program',
          message: expect.stringContaining('not an absolute Windows path of a program'),
          hint: 'give the absolute Windows path of mesh.exe, or of node.exe and mesh.js',
        }),
      );
    }
    for (const args of [
      [],
      ['agent', ''],
      ['agent', 'r"un'],
      ['agent\r\n', 'run'],
      ['C:\\a b\\', 'run'],
    ]) {
      expect(() => meshAgentTaskAction({ ...ok, args })).toThrowError(
        expect.objectContaining({ name: 'PlatformConfigError', variable: 'agent.args' }),
      );
    }
  });

  it('Mesh Agent task: a single quote is quoted, not refused', () => {
    const a = meshAgentTaskAction({
      program: "C:\\Tools\\mesh.exe'; calc",
      args: ['agent', 'run'],
    });
    expect(a.script.test).toContain("$_.Execute -eq 'C:\\Tools\\mesh.exe''; calc'");
  });

  it('winget: list, then install silently from the winget source', () => {
    const a = wingetPackageAction('Tailscale.Tailscale');
    expect(a.check).toEqual({
      file: 'winget.exe',
      args: [
        'list',
        '-e',
        '--id',
        'Tailscale.Tailscale',
        '--source',
        'winget',
        '--accept-source-agreements',
      ],
    });
    expect(a.apply).toEqual([
      {
        file: 'winget.exe',
        args: [
          'install',
          '-e',
          '--id',
          'Tailscale.Tailscale',
          '--accept-package-agreements',
          '--accept-source-agreements',
          '--silent',
          '--source',
          'winget',
        ],
      },
    ]);
  });

  it('Tailscale registry values and tailscaled-env.txt; the auth key only on stdin', () => {
    const actions = tailscaleWindowsActions({
      loginUrl: 'https://hs.example.test/',
      authKey: 'tskey-SECRET',
    });
    expect(actions.map((a) => a.id)).toEqual([
      'registry:LoginURL',
      'registry:UnattendedMode',
      'registry:AuthKey',
      'file:tailscaled-env.txt',
    ]);
    const [login, unattended, auth, env] = actions;
    expect(login?.apply).toEqual([
      ps(
        "if (-not (Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Tailscale IPN')) { New-Item -Path 'HKLM:\\SOFTWARE\\Tailscale IPN' -Force | Out-Null }; " +
          "New-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Tailscale IPN' -Name 'LoginURL' -Value 'https://hs.example.test' -PropertyType String -Force | Out-Null",
      ),
    ]);
    expect(login?.check).toEqual(
      ps(
        "if (((Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Tailscale IPN' -ErrorAction SilentlyContinue).LoginURL -ceq 'https://hs.example.test')) { exit 0 } else { exit 1 }",
      ),
    );
    expect(unattended?.apply[0]?.args.at(-1)).toContain("-Name 'UnattendedMode' -Value 'always'");
    expect(auth?.check.input).toBe('tskey-SECRET\n');
    expect(auth?.apply[0]?.input).toBe('tskey-SECRET\n');
    expect(auth?.apply[0]?.args.at(-1)).toContain('$AuthKey = [Console]::In.ReadLine(); ');
    expect(env?.apply[0]?.args.at(-1)).toContain(
      "$w = @{ 'TS_NO_LOGS_NO_SUPPORT' = 'true' }; $p = 'C:\\ProgramData\\Tailscale\\tailscaled-env.txt'",
    );
    expect(env?.apply[0]?.args.at(-1)).toContain("Restart-Service -Name 'Tailscale'");
    for (const a of actions) {
      for (const c of [a.check, ...a.apply]) {
        expect(c.args.join(' ')).not.toContain('SECRET');
        // Double quotes do not survive WSL interop's command line.
        expect(c.args.join(' ')).not.toContain('"');
      }
    }
  });

  it('parseWslList decodes UTF-16 output', () => {
    expect(parseWslList(Buffer.from('Ubuntu\r\nDebian\r\n', 'utf16le'))).toEqual([
      'Ubuntu',
      'Debian',
    ]);
    expect(parseWslList('U\0b\0u\0n\0t\0u\0\r\0\n\0')).toEqual(['Ubuntu']);
  });
});

/** A fake Windows: answers the checks from a set of things already in place. */
function fakeWindows(present: Set<string>) {
  const calls: { file: string; args: readonly string[]; input?: string }[] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args, options: RunOptions = {}): Promise<RunResult> {
      calls.push({ file, args, ...(options.input ? { input: options.input } : {}) });
      const text = args.join(' ');
      const key = text.includes('tailscaled-env')
        ? 'env'
        : text.includes('Start WSL2')
          ? 'task'
          : text.includes('Mesh Agent')
            ? 'agent'
            : (/--id (\S+)/.exec(text)?.[1] ??
              /DisplayName '([^']+)'/.exec(text)?.[1] ??
              /-Name '(\w+)'|\)\.(\w+) -ceq/.exec(text)?.slice(1).find(Boolean) ??
              '?');
      const isCheck = args[0] === 'list' || text.includes('{ exit 0 } else { exit 1 }');
      if (!isCheck) present.add(key);
      return {
        command: `${file} ${text}`,
        exitCode: isCheck && !present.has(key) ? 1 : 0,
        stdout: '',
        stderr: '',
        timedOut: false,
      };
    },
  };
  return { runner, calls };
}

describe('applyWindowsIntent', () => {
  const intent = {
    install: ['Tailscale.Tailscale', 'Syncthing.Syncthing'],
    firewall: true,
    wslAutoStart: { distro: 'Ubuntu' },
    agent: { program: 'C:\\Tools\\mesh.exe', args: ['agent', 'run'] },
    tailscale: { loginUrl: 'http://10.99.0.1:8080' },
  } as const;

  it('checks first and changes only what differs; a second run changes nothing', async () => {
    const present = new Set(['Tailscale.Tailscale', 'WSL2 SSH']);
    const { runner, calls } = fakeWindows(present);
    const mutable = {
      ...intent,
      install: [...intent.install],
      agent: { ...intent.agent, args: [...intent.agent.args] },
    };
    const first = await applyWindowsIntent(mutable, { runner });
    expect(first.map((r) => `${r.status} ${r.id}`)).toEqual([
      'ok winget:Tailscale.Tailscale',
      'changed winget:Syncthing.Syncthing',
      'ok firewall:WSL2 SSH',
      'changed firewall:Syncthing Windows',
      'changed firewall:Syncthing WSL2',
      'changed firewall:Syncthing Discovery',
      'changed task:Start WSL2',
      'changed task:Mesh Agent',
      'changed registry:LoginURL',
      'changed registry:UnattendedMode',
      'changed file:tailscaled-env.txt',
    ]);
    expect(calls.filter((c) => c.args[0] === 'install').map((c) => c.args[3])).toEqual([
      'Syncthing.Syncthing',
    ]);
    calls.length = 0;
    const second = await applyWindowsIntent(mutable, { runner });
    expect(second.every((r) => r.status === 'ok')).toBe(true);
    expect(calls).toHaveLength(11); // checks only
  });

  it('dry run only checks', async () => {
    const { runner, calls } = fakeWindows(new Set());
    const r = await applyWindowsIntent({ firewall: true }, { runner, dryRun: true });
    expect(r.every((x) => x.status === 'would-change')).toBe(true);
    expect(calls).toHaveLength(4);
  });
});

describe('renderWindowsScript', () => {
  const agent = {
    program: 'C:\\Program Files\\nodejs\\node.exe',
    args: [
      'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs',
      'agent',
      'run',
    ],
  };
  const script = renderWindowsScript({
    install: ['Tailscale.Tailscale', 'Syncthing.Syncthing'],
    firewall: true,
    syncthing: SYNCTHING_INTENT,
    wslAutoStart: { distro: 'Ubuntu' },
    agent,
    tailscale: { loginUrl: 'https://hs.example.test', authKey: 'tskey-SECRET' },
  });

  it('is one idempotent script: every step tests before changing', () => {
    expect(script).not.toContain('tskey-SECRET');
    expect(script).toContain('[string]$AuthKey = $env:MESH_TAILSCALE_AUTHKEY,');
    expect(script).toContain('Start-Transcript -Path $LogFile -Append');
    expect(script.match(/Invoke-MeshStep '/g)).toHaveLength(17);
    const parts = {
      firewall: true,
      syncthing: SYNCTHING_INTENT,
      wslAutoStart: { distro: 'Ubuntu' },
    };
    for (const a of windowsActions({ ...parts, agent })) {
      expect(script).toContain(a.script.test);
      expect(script).toContain(a.script.apply);
    }
    expect(script).toContain('if ($AuthKey) {');
    expect(script.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
  });

  it('runs the Mesh Agent task after Start WSL2 and before Tailscale', () => {
    const steps = [...script.matchAll(/Invoke-MeshStep '([^']+)'/g)].map((m) => m[1]);
    const at = (prefix: string) => steps.findIndex((n) => n?.startsWith(prefix));
    expect(at('scheduled task Mesh Agent')).toBe(at('scheduled task Start WSL2') + 1);
    expect(at('registry HKLM')).toBe(at('scheduled task Mesh Agent') + 1);
    expect(script).toContain(
      "Invoke-MeshStep 'scheduled task Mesh Agent (C:\\Program Files\\nodejs\\node.exe C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs agent run at logon)' {",
    );
    expect(renderWindowsScript({ firewall: true })).not.toContain('Mesh Agent');
  });

  it('matches the reviewed snapshot', async () => {
    await expect(script).toMatchFileSnapshot('./__snapshots__/setup-mesh.ps1');
  });
});
