import { describe, expect, it } from 'vitest';
import { detectPackageManager } from '../packages/package-manager.js';
import type { Runner, RunResult } from '../runner.js';
import { windowsServiceManager } from '../services/windows.js';
import { windowsTempDir } from '../wsl/interop.js';
import { OUTPUTS, type Output, WSL_LIST_QUIET } from './__fixtures__/windows-outputs.js';
import { firewallRuleAction, parseWslList, wingetPackageAction } from './actions.js';
import { applyWindowsActions } from './apply.js';
import { powershellErrorMessage } from './powershell.js';

interface Call {
  file: string;
  args: readonly string[];
}

/**
 * A Windows that answers each call with the first transcript whose pattern matches its argv;
 * the runner strips the final line end, as the real one (execa) does.
 */
function replay(answers: Array<[RegExp, Output]>) {
  const calls: Call[] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args): Promise<RunResult> {
      calls.push({ file, args });
      const line = [file, ...args].join(' ');
      const found = answers.find(([re]) => re.test(line));
      if (!found) throw new Error(`no recorded output for: ${line}`);
      const [, o] = found;
      const strip = (s: string) => s.replace(/\r?\n$/, '');
      return {
        ...o,
        stdout: strip(o.stdout),
        stderr: strip(o.stderr),
        command: line,
        timedOut: false,
      };
    },
  };
  return { runner, calls };
}

describe('winget', () => {
  it('a package winget lists is installed; "no installed package found" (0x8A150014) is not', async () => {
    const { runner } = replay([
      [/list -e --id Tailscale\.Tailscale/, OUTPUTS.wingetListInstalled],
      [/list -e --id Syncthing\.Syncthing/, OUTPUTS.wingetListMissing],
    ]);
    const pm = await detectPackageManager({ platform: 'win32', runner });
    expect(pm.name).toBe('winget');
    expect(await pm.isInstalled('Tailscale.Tailscale')).toBe(true);
    expect(await pm.isInstalled('Syncthing.Syncthing')).toBe(false);
  });

  it('installs what is missing, then finds it listed', async () => {
    let installed = false;
    const { runner, calls } = replay([
      [/install -e --id Syncthing\.Syncthing/, OUTPUTS.wingetInstallSyncthing],
      [/list -e --id Syncthing\.Syncthing/, OUTPUTS.wingetListMissing],
    ]);
    const recording = {
      ...runner,
      run: async (file: string, args: readonly string[]) => {
        const r = await runner.run(file, args);
        if (args[0] === 'install') installed = true;
        return args[0] === 'list' && installed
          ? { ...r, exitCode: 0, stdout: OUTPUTS.wingetListInstalled.stdout }
          : r;
      },
    };
    const [result] = await applyWindowsActions([wingetPackageAction('Syncthing.Syncthing')], {
      runner: recording,
    });
    expect(result?.status).toBe('changed');
    expect(calls.map((c) => `${c.file} ${c.args[0]}`)).toEqual([
      'winget.exe list',
      'winget.exe install',
      'winget.exe list',
    ]);
  });
});

describe('powershell.exe: firewall', () => {
  it('Access is denied from a session that is not elevated: the error says to elevate', async () => {
    const { runner } = replay([
      [/exit 0 } else \{ exit 1 \}$/, { exitCode: 1, stdout: '', stderr: '' }],
      [/New-NetFirewallRule/, OUTPUTS.firewallAccessDenied],
    ]);
    const action = firewallRuleAction({ displayName: 'WSL2 SSH', protocol: 'TCP', port: 2222 });
    await expect(applyWindowsActions([action], { runner })).rejects.toMatchObject({
      name: 'CommandFailedError',
      hint: 'run it from an elevated (Administrator) session',
      message: expect.stringContaining('New-NetFirewallRule : Access is denied.'),
    });
  });
});

describe('powershell.exe: scheduled tasks and services (ConvertTo-Json)', () => {
  const spec = {
    name: 'mesh-syncthing',
    description: 'Syncthing for the Mesh shared folder',
    exec: [
      'C:\\Users\\Jane Doe\\AppData\\Local\\Microsoft\\WinGet\\Links\\syncthing.exe',
      'serve',
      '--home=C:\\Users\\Jane Doe\\AppData\\Local\\Syncthing',
    ],
  };

  it.each([
    [OUTPUTS.taskRunning, { active: true, enabled: true, detail: 'Running' }],
    [OUTPUTS.taskReady, { active: false, enabled: true, detail: 'Ready' }],
    [OUTPUTS.taskDisabled, { active: false, enabled: false, detail: 'Disabled' }],
  ])('a task: %j', async (output, want) => {
    const { runner, calls } = replay([[/Get-ScheduledTask -TaskName 'mesh-syncthing'/, output]]);
    const manager = windowsServiceManager({ runner });
    expect(await manager.status('mesh-syncthing')).toEqual({
      name: 'mesh-syncthing',
      installed: true,
      ...want,
    });
    expect(calls[0]?.file).toBe('powershell.exe');
  });

  it.each([
    [OUTPUTS.serviceRunning, { active: true, enabled: true, detail: 'Running' }],
    [OUTPUTS.serviceStoppedManual, { active: false, enabled: false, detail: 'Stopped' }],
  ])('a service: %j', async (output, want) => {
    const { runner } = replay([[/Get-Service -Name 'mesh-syncthing'/, output]]);
    const manager = windowsServiceManager({ runner, kind: 'service' });
    expect(await manager.status('mesh-syncthing')).toMatchObject({ installed: true, ...want });
  });

  it('no such task: not installed, not an error', async () => {
    const { runner } = replay([[/Get-ScheduledTask/, OUTPUTS.taskMissing]]);
    expect(await windowsServiceManager({ runner }).status('mesh-syncthing')).toEqual({
      name: 'mesh-syncthing',
      installed: false,
      active: false,
      enabled: false,
      detail: 'not installed',
    });
  });

  it('output that is not the JSON asked for is an error naming it', async () => {
    const { runner } = replay([
      [/Get-ScheduledTask/, { exitCode: 0, stdout: 'TaskPath  TaskName  State\r\n', stderr: '' }],
    ]);
    await expect(windowsServiceManager({ runner }).status('mesh-syncthing')).rejects.toMatchObject({
      name: 'ServiceError',
      message: expect.stringContaining('unexpected status output'),
    });
  });

  it('installs a task whose program and arguments are Windows paths with spaces', async () => {
    const { runner, calls } = replay([
      [/Register-ScheduledTask/, { exitCode: 0, stdout: '', stderr: '' }],
    ]);
    await windowsServiceManager({ runner }).install(spec);
    const script = calls[0]?.args.at(-1) ?? '';
    expect(script).toContain(
      "New-ScheduledTaskAction -Execute 'C:\\Users\\Jane Doe\\AppData\\Local\\Microsoft\\WinGet\\Links\\syncthing.exe' -Argument ((@('serve', '--home=C:\\Users\\Jane Doe\\AppData\\Local\\Syncthing')",
    );
  });
});

describe('WSL interop', () => {
  it('the Windows temp folder, without its final backslash', async () => {
    const { runner } = replay([[/GetTempPath/, OUTPUTS.tempPath]]);
    expect(await windowsTempDir({ runner })).toBe('C:\\Users\\Jane Doe\\AppData\\Local\\Temp');
  });

  it('wsl.exe -l -q is UTF-16LE', () => {
    expect(parseWslList(WSL_LIST_QUIET)).toEqual(['Ubuntu-22.04', 'docker-desktop']);
  });
});

describe('powershellErrorMessage', () => {
  it("keeps an error record's message, drops where in the one-line script it happened", () => {
    expect(powershellErrorMessage(OUTPUTS.taskMissing.stderr)).toBe(
      "Get-ScheduledTask : No MSFT_ScheduledTask objects found with property 'TaskName' equal to 'mesh-syncthing'.  Verify the value of the property and retry.",
    );
    expect(powershellErrorMessage('plain text\r\n')).toBe('plain text\r\n');
  });
});
