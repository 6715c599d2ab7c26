/**
 * What the Windows programs Mesh calls print, in the form Windows PowerShell 5.1 and winget 1.x
 * print it (CRLF line ends, Windows paths). Transcribed from those programs' documented output,
 * not captured on a Windows machine by this project: the README's Windows section says so.
 */
import type { RunResult } from '../../runner.js';

export type Output = Omit<RunResult, 'command' | 'timedOut'>;

const lines = (...l: string[]) => `${l.join('\r\n')}\r\n`;

/**
 * winget's exit code for "no installed package found" is 0x8A150014; Node on Windows reports a
 * process's exit status as the unsigned 32-bit value.
 */
export const WINGET_NO_PACKAGE_FOUND = 0x8a150014;

export const OUTPUTS = {
  wingetListInstalled: {
    exitCode: 0,
    stdout: lines(
      'Name      Id                  Version Source',
      '--------------------------------------------',
      'Tailscale Tailscale.Tailscale 1.76.6  winget',
    ),
    stderr: '',
  },
  wingetListMissing: {
    exitCode: WINGET_NO_PACKAGE_FOUND,
    stdout: lines('No installed package found matching input criteria.'),
    stderr: '',
  },
  wingetInstallSyncthing: {
    exitCode: 0,
    stdout: lines(
      'Found Syncthing [Syncthing.Syncthing] Version 2.0.10',
      'This application is licensed to you by its owner.',
      'Microsoft is not responsible for, nor does it grant any licenses to, third-party packages.',
      'Successfully verified installer hash',
      'Extracting archive...',
      'Successfully extracted archive',
      'Starting package install...',
      'Path environment variable modified; restart your shell to use the new value.',
      'Command line alias added: "syncthing"',
      'Successfully installed',
    ),
    stderr: '',
  },
  // `@{ state = [string]$t.State } | ConvertTo-Json -Compress` of Get-ScheduledTask.
  taskRunning: { exitCode: 0, stdout: '{"state":"Running"}\r\n', stderr: '' },
  taskReady: { exitCode: 0, stdout: '{"state":"Ready"}\r\n', stderr: '' },
  taskDisabled: { exitCode: 0, stdout: '{"state":"Disabled"}\r\n', stderr: '' },
  // Get-Service: a hashtable has no key order, so either may come first.
  serviceRunning: {
    exitCode: 0,
    stdout: '{"startType":"Automatic","state":"Running"}\r\n',
    stderr: '',
  },
  serviceStoppedManual: {
    exitCode: 0,
    stdout: '{"state":"Stopped","startType":"Manual"}\r\n',
    stderr: '',
  },
  taskMissing: {
    exitCode: 1,
    stdout: '',
    stderr: lines(
      "Get-ScheduledTask : No MSFT_ScheduledTask objects found with property 'TaskName' equal to 'mesh-syncthing'.  Verify the value of the property and retry.",
      'At line:1 char:38',
      "+ $ErrorActionPreference = 'Stop'; $t = Get-ScheduledTask -TaskName 'mesh-syncth ...",
      '+                                      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
      '    + CategoryInfo          : ObjectNotFound: (mesh-syncthing:String) [Get-ScheduledTask], CimJobException',
      '    + FullyQualifiedErrorId : CmdletizationQuery_NotFound_TaskName,Get-ScheduledTask',
    ),
  },
  firewallAccessDenied: {
    exitCode: 1,
    stdout: '',
    stderr: lines(
      'New-NetFirewallRule : Access is denied.',
      'At line:1 char:229',
      "+ ... e { New-NetFirewallRule -DisplayName 'WSL2 SSH' -Direction Inbound -Act ...",
      '+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
      '    + CategoryInfo          : PermissionDenied: (MSFT_NetFirewallRule:root/standardcimv2/MSFT_NetFirewallRule) [New-NetFirewallRule], CimException',
      '    + FullyQualifiedErrorId : Windows System Error 5,New-NetFirewallRule',
    ),
  },
  tempPath: { exitCode: 0, stdout: 'C:\\Users\\Jane Doe\\AppData\\Local\\Temp\\\r\n', stderr: '' },
} satisfies Record<string, Output>;

/** `wsl.exe -l -q`: UTF-16LE, CRLF, one distro a line. */
export const WSL_LIST_QUIET = Buffer.from('Ubuntu-22.04\r\ndocker-desktop\r\n', 'utf16le');
