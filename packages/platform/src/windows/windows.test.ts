import { describe, expect, it } from 'vitest';
import type { Runner, RunOptions, RunResult } from '../runner.js';
import {
  defaultFirewallRules,
  firewallRuleAction,
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
  it('the four firewall rules of the earlier tool', () => {
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

  it('winget: list, then install with the earlier flags', () => {
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
    tailscale: { loginUrl: 'http://10.99.0.1:8080' },
  } as const;

  it('checks first and changes only what differs; a second run changes nothing', async () => {
    const present = new Set(['Tailscale.Tailscale', 'WSL2 SSH']);
    const { runner, calls } = fakeWindows(present);
    const first = await applyWindowsIntent({ ...intent, install: [...intent.install] }, { runner });
    expect(first.map((r) => `${r.status} ${r.id}`)).toEqual([
      'ok winget:Tailscale.Tailscale',
      'changed winget:Syncthing.Syncthing',
      'ok firewall:WSL2 SSH',
      'changed firewall:Syncthing Windows',
      'changed firewall:Syncthing WSL2',
      'changed firewall:Syncthing Discovery',
      'changed task:Start WSL2',
      'changed registry:LoginURL',
      'changed registry:UnattendedMode',
      'changed file:tailscaled-env.txt',
    ]);
    expect(calls.filter((c) => c.args[0] === 'install').map((c) => c.args[3])).toEqual([
      'Syncthing.Syncthing',
    ]);
    calls.length = 0;
    const second = await applyWindowsIntent(
      { ...intent, install: [...intent.install] },
      { runner },
    );
    expect(second.every((r) => r.status === 'ok')).toBe(true);
    expect(calls).toHaveLength(10); // checks only
  });

  it('dry run only checks', async () => {
    const { runner, calls } = fakeWindows(new Set());
    const r = await applyWindowsIntent({ firewall: true }, { runner, dryRun: true });
    expect(r.every((x) => x.status === 'would-change')).toBe(true);
    expect(calls).toHaveLength(4);
  });
});

describe('renderWindowsScript', () => {
  const script = renderWindowsScript({
    install: ['Tailscale.Tailscale', 'Syncthing.Syncthing'],
    firewall: true,
    wslAutoStart: { distro: 'Ubuntu' },
    tailscale: { loginUrl: 'https://hs.example.test', authKey: 'tskey-SECRET' },
  });

  it('is one idempotent script: every step tests before changing', () => {
    expect(script).not.toContain('tskey-SECRET');
    expect(script).toContain('[string]$AuthKey = $env:MESH_TAILSCALE_AUTHKEY,');
    expect(script).toContain('Start-Transcript -Path $LogFile -Append');
    expect(script.match(/Invoke-MeshStep '/g)).toHaveLength(11);
    for (const a of windowsActions({ firewall: true, wslAutoStart: { distro: 'Ubuntu' } })) {
      expect(script).toContain(a.script.test);
      expect(script).toContain(a.script.apply);
    }
    expect(script).toContain('if ($AuthKey) {');
    expect(script.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
  });

  it('matches the reviewed snapshot', async () => {
    await expect(script).toMatchFileSnapshot('./__snapshots__/setup-mesh.ps1');
  });
});
