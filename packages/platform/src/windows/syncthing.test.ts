import { describe, expect, it } from 'vitest';
import { portPlan } from '../ports.js';
import { SYNCTHING_INTENT } from './__fixtures__/syncthing-intent.js';
import { windowsActions } from './actions.js';
import { type SyncthingWindowsIntent, syncthingWindowsActions } from './syncthing.js';

const byId = (intent: SyncthingWindowsIntent = SYNCTHING_INTENT) =>
  new Map(syncthingWindowsActions(intent).map((a) => [a.id, a]));

describe('syncthingWindowsActions', () => {
  it('config, .stignore, folder, logon task, running: in that order, after the firewall', () => {
    expect(syncthingWindowsActions(SYNCTHING_INTENT).map((a) => a.id)).toEqual([
      'syncthing:config',
      'file:C:\\shared\\.stignore',
      'syncthing:folder:opt-shared',
      'task:Mesh Syncthing',
      'syncthing:running',
    ]);
    const ids = windowsActions({
      install: ['Syncthing.Syncthing'],
      firewall: true,
      syncthing: SYNCTHING_INTENT,
      wslAutoStart: { distro: 'Ubuntu' },
    }).map((a) => a.id);
    expect(ids.indexOf('syncthing:config')).toBe(ids.indexOf('firewall:Syncthing Discovery') + 1);
    expect(ids.indexOf('task:Start WSL2')).toBe(ids.indexOf('syncthing:running') + 1);
  });

  it("uses the Windows role's ports from the port plan", () => {
    const { syncthingGui, syncthingSync } = portPlan('windows');
    expect([syncthingGui, syncthingSync]).toEqual([8386, 22002]);
    const a = byId();
    const config = a.get('syncthing:config');
    expect(config?.description).toBe(
      'Syncthing config.xml: GUI 127.0.0.1:8386, listen tcp://0.0.0.0:22002, globalAnnounceEnabled=false relaysEnabled=false urAccepted=-1',
    );
    expect(config?.script.test).toContain(
      "$w = [ordered]@{ '/configuration/gui/address' = '127.0.0.1:8386'; " +
        "'/configuration/options/globalAnnounceEnabled' = 'false'; " +
        "'/configuration/options/relaysEnabled' = 'false'; '/configuration/options/urAccepted' = '-1' }",
    );
    expect(config?.script.test).toContain("($l -join ' ') -ceq 'tcp://0.0.0.0:22002'");
    // No announce or STUN server left, as privateSyncthingConfig leaves none.
    expect(config?.script.apply).toContain(
      "'/configuration/options/listenAddress|/configuration/options/globalAnnounceServer|/configuration/options/stunServer'",
    );
    expect(a.get('syncthing:running')?.script.test).toContain("$tc.Connect('127.0.0.1', 8386)");
    expect(a.get('task:Mesh Syncthing')?.script.apply).toContain(
      "' --no-browser --no-upgrade --gui-address=127.0.0.1:8386'",
    );
  });

  it('generates the home with the flags the Linux roles use, and stops Syncthing before an edit', () => {
    const apply = byId().get('syncthing:config')?.script.apply ?? '';
    expect(apply).toContain(
      "& $exe generate ('--home=' + $h) --no-default-folder --skip-port-probing | Out-Null",
    );
    expect(apply.indexOf('Stop-ScheduledTask')).toBeLessThan(apply.indexOf('$x.Save($xw)'));
    expect(apply).toContain("Copy-Item -LiteralPath $c -Destination ($c + '.mesh-bak') -Force");
    expect(apply).toContain('$ws.Encoding = New-Object System.Text.UTF8Encoding $false');
  });

  it('the folder: settings and versioning as given; another path for the ID is refused', () => {
    const folder = byId().get('syncthing:folder:opt-shared');
    expect(folder?.description).toBe(
      'Syncthing folder opt-shared (Shared Workspace) at C:\\shared: type=sendreceive fsWatcherEnabled=true fsWatcherDelayS=1, simple versioning',
    );
    expect(folder?.script.test).toContain(
      "$w = [ordered]@{ 'label' = 'Shared Workspace'; 'type' = 'sendreceive'; 'fsWatcherEnabled' = 'true'; 'fsWatcherDelayS' = '1' }",
    );
    expect(folder?.script.apply).toContain(
      "$v.SetAttribute('type', 'simple'); $p = $x.CreateElement('param'); $p.SetAttribute('key', 'keep'); $p.SetAttribute('val', '5')",
    );
    expect(folder?.script.apply).toContain(
      "throw ('folder opt-shared already points at ' + $f.GetAttribute('path')",
    );
    expect(folder?.script.apply).toContain("[void][IO.Directory]::CreateDirectory('C:\\shared')");
  });

  it('.stignore: only when missing, LF endings, no byte order mark, the same lines', () => {
    const a = byId().get('file:C:\\shared\\.stignore');
    expect(a?.script.test).toBe("(Test-Path -LiteralPath 'C:\\shared\\.stignore')");
    expect(a?.script.apply).toBe(
      "[void][IO.Directory]::CreateDirectory('C:\\shared'); " +
        "[IO.File]::WriteAllText('C:\\shared\\.stignore', ((@('// Editor temp files', '*.swp') -join [char]10) + [char]10), " +
        '(New-Object System.Text.UTF8Encoding $false))',
    );
    const { stignore: _, ...folder } = SYNCTHING_INTENT.folder;
    const none = syncthingWindowsActions({ ...SYNCTHING_INTENT, folder });
    expect(none.map((x) => x.id)).not.toContain('file:C:\\shared\\.stignore');
  });

  it('the logon task runs with no window (S4U) and is matched exactly on a rerun', () => {
    const a = byId().get('task:Mesh Syncthing');
    expect(a?.script.apply).toContain(
      '$p = New-ScheduledTaskPrincipal -UserId $env:USERNAME -LogonType S4U;',
    );
    expect(a?.script.apply).toContain('-ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999');
    expect(a?.script.test).toContain(
      "$_.Principal.LogonType -eq 'S4U' -and @($_.Actions | Where-Object { $_.Execute -eq $exe -and $_.Arguments -eq $sa })",
    );
    // The home holds the user's name: quoted with [char]34 when the script runs.
    expect(a?.script.apply).toContain(
      "-Argument ('serve --home=' + [char]34 + (Join-Path $env:LOCALAPPDATA 'Syncthing') + [char]34 + ' --no-browser",
    );
    expect(a?.script.apply).toContain(
      "Join-Path $env:LOCALAPPDATA 'Microsoft\\WinGet\\Links\\syncthing.exe'",
    );
    const other = syncthingWindowsActions({ ...SYNCTHING_INTENT, user: "o'brien" });
    expect(other[3]?.script.apply).toContain("-UserId 'o''brien' -LogonType S4U");
  });

  it('paths with spaces and quotes are quoted; / reads as \\; no double quote in any command', () => {
    const actions = syncthingWindowsActions({
      ...SYNCTHING_INTENT,
      folder: { ...SYNCTHING_INTENT.folder, path: "D:/Jane O'Neil/shared files" },
    });
    expect(actions[1]?.id).toBe("file:D:\\Jane O'Neil\\shared files\\.stignore");
    expect(actions[2]?.script.apply).toContain(
      "$f.SetAttribute('path', 'D:\\Jane O''Neil\\shared files')",
    );
    for (const a of actions) {
      for (const c of [a.check, ...a.apply]) {
        expect(c.file).toBe('powershell.exe');
        // Double quotes do not survive WSL interop's command line.
        expect(c.args.join(' ')).not.toContain('"');
      }
    }
  });

  it.each([
    ['shared', 'not an absolute Windows folder path: "shared"'],
    ['/opt/shared', 'not an absolute Windows folder path: "/opt/shared"'],
    ['C:\\a"b', 'not an absolute Windows folder path'],
    ['C:\\a\nb', 'not an absolute Windows folder path'],
  ])('refuses the folder path %j', (path, message) => {
    expect(() =>
      syncthingWindowsActions({
        ...SYNCTHING_INTENT,
        folder: { ...SYNCTHING_INTENT.folder, path },
      }),
    ).toThrowError(
      expect.objectContaining({
        name: 'PlatformConfigError',
        variable: 'MESH_SHARED_FOLDER_WINDOWS',
        message: expect.stringContaining(message),
      }),
    );
  });

  it('refuses a folder ID or setting name it would have to quote inside XPath or XML', () => {
    const f = SYNCTHING_INTENT.folder;
    expect(() =>
      syncthingWindowsActions({ ...SYNCTHING_INTENT, folder: { ...f, id: "a']|//x['" } }),
    ).toThrow(/not a folder ID/);
    expect(() => syncthingWindowsActions({ ...SYNCTHING_INTENT, options: { 'a/b': 'x' } })).toThrow(
      /not a Syncthing setting name/,
    );
  });
});
