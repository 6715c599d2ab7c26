import { PlatformConfigError } from '../errors.js';
import { portPlan } from '../ports.js';
import type { WindowsAction } from './actions.js';
import { powershellCommand, psQuote } from './powershell.js';

/** Name of the task that starts Syncthing at logon. */
export const SYNCTHING_TASK_NAME = 'Mesh Syncthing';
const SYNCTHING_TASK_DESCRIPTION =
  'Runs Syncthing for the Mesh shared folder at logon, with no window';

/**
 * Syncthing's home on Windows as a PowerShell expression: Syncthing's own default, which is also
 * where Mesh on Windows looks for it (`%LOCALAPPDATA%\Syncthing`).
 */
export const SYNCTHING_WINDOWS_HOME = "(Join-Path $env:LOCALAPPDATA 'Syncthing')";

/** The shared folder as Syncthing's `config.xml` holds it. */
export interface SyncthingWindowsFolder {
  /** Folder ID, the same on every member, e.g. `opt-shared`. */
  id: string;
  label: string;
  /** Absolute Windows path, e.g. `C:\shared` (`/` is read as `\`). */
  path: string;
  /** `<folder>` attributes to enforce, e.g. `{ type: 'sendreceive', fsWatcherDelayS: '1' }`. */
  attributes: Readonly<Record<string, string>>;
  /** File versioning, set when the folder has another type (its parameters are then replaced). */
  versioning: { type: string; params: Readonly<Record<string, string>> };
  /** `.stignore` written when the folder has none; never overwritten. No file when absent. */
  stignore?: string;
}

/** Syncthing on Windows: installed by winget, configured before it starts, run at logon. */
export interface SyncthingWindowsIntent {
  /** `<options>` elements to enforce (the private switches of the Linux roles). */
  options: Readonly<Record<string, string>>;
  folder: SyncthingWindowsFolder;
  /** GUI/REST port on 127.0.0.1. @default portPlan('windows').syncthingGui (8386) */
  guiPort?: number;
  /** Sync port, listened on at every address. @default portPlan('windows').syncthingSync (22002) */
  syncPort?: number;
  /** The user whose logon starts it. @default $env:USERNAME (the user running the command) */
  user?: string;
}

const HOME = SYNCTHING_WINDOWS_HOME;
const CONFIG = `(Join-Path ${HOME} 'config.xml')`;
// winget installs Syncthing as a portable program and links it here (per user, or machine-wide
// from an elevated session); the session's PATH predates the install, so the links are looked at
// directly.
const EXE =
  "(@((Get-Command 'syncthing.exe' -ErrorAction SilentlyContinue).Source; " +
  "(Join-Path $env:LOCALAPPDATA 'Microsoft\\WinGet\\Links\\syncthing.exe'); " +
  "(Join-Path $env:ProgramFiles 'WinGet\\Links\\syncthing.exe')) | " +
  'Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1)';
const NOT_INSTALLED =
  "throw 'syncthing.exe not found: install it with winget install -e --id Syncthing.Syncthing'";
const READ_CONFIG = `$c = ${CONFIG}; $x = [xml](Get-Content -LiteralPath $c -Raw -Encoding UTF8)`;
// A running Syncthing writes its own copy of config.xml back, so it is stopped before an edit
// (the last step starts it again). Only the one using this home: a person's own other
// Syncthing is left alone.
const STOP =
  `Get-ScheduledTask -TaskName ${psQuote(SYNCTHING_TASK_NAME)} -ErrorAction SilentlyContinue | Stop-ScheduledTask; ` +
  `$h = ${HOME}; Get-CimInstance Win32_Process -Filter 'Name = ''syncthing.exe''' | ` +
  'Where-Object { $_.CommandLine -and $_.CommandLine.Contains($h) } | ' +
  'ForEach-Object { Stop-Process -Id $_.ProcessId -Force -ErrorAction SilentlyContinue }';
// Written without a byte order mark or XML declaration, as Syncthing writes it; the old file
// stays beside it as config.xml.mesh-bak.
const SAVE_CONFIG =
  "Copy-Item -LiteralPath $c -Destination ($c + '.mesh-bak') -Force; " +
  '$ws = New-Object System.Xml.XmlWriterSettings; $ws.Indent = $true; $ws.OmitXmlDeclaration = $true; ' +
  "$ws.Encoding = New-Object System.Text.UTF8Encoding $false; $tmp = $c + '.mesh-tmp'; " +
  '$xw = [System.Xml.XmlWriter]::Create($tmp, $ws); try { $x.Save($xw) } finally { $xw.Close() }; ' +
  'Move-Item -LiteralPath $tmp -Destination $c -Force';

function table(entries: Iterable<readonly [string, string]>): string {
  return `[ordered]@{ ${[...entries].map(([k, v]) => `${psQuote(k)} = ${psQuote(v)}`).join('; ')} }`;
}

function validate(intent: SyncthingWindowsIntent): SyncthingWindowsFolder {
  const folder = { ...intent.folder, path: intent.folder.path.replace(/\//g, '\\') };
  if (!/^[A-Za-z]:\\/.test(folder.path) || /["<>|?*\p{Cc}]/u.test(folder.path.slice(2))) {
    throw new PlatformConfigError(
      'MESH_SHARED_FOLDER_WINDOWS',
      `not an absolute Windows folder path: ${JSON.stringify(intent.folder.path)}`,
      { hint: 'give a drive path such as C:\\shared' },
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(folder.id)) {
    throw new PlatformConfigError('folder.id', `not a folder ID: ${JSON.stringify(folder.id)}`);
  }
  const names = [...Object.keys(intent.options), ...Object.keys(folder.attributes)];
  for (const name of [...names, folder.versioning.type, ...Object.keys(folder.versioning.params)]) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new PlatformConfigError('syncthing', `not a Syncthing setting name: ${name}`);
    }
  }
  return folder;
}

function action(id: string, description: string, test: string, apply: string): WindowsAction {
  return {
    id,
    description,
    check: powershellCommand(`if (${test}) { exit 0 } else { exit 1 }`),
    apply: [powershellCommand(apply)],
    script: { test, apply },
  };
}

/**
 * Syncthing's `config.xml` made private before Syncthing first starts, exactly as the Linux roles
 * make theirs: GUI on 127.0.0.1, one listen address on the sync port, every switch of `options`,
 * no global announce or STUN servers. Generates the home (identity and config) when it is missing.
 */
function configAction(intent: SyncthingWindowsIntent, gui: string, listen: string): WindowsAction {
  const wanted = table([
    ['/configuration/gui/address', gui],
    ...Object.entries(intent.options).map(([k, v]) => [`/configuration/options/${k}`, v] as const),
  ]);
  const servers = "'/configuration/options/globalAnnounceServer|/configuration/options/stunServer'";
  const stale =
    "'/configuration/options/listenAddress|/configuration/options/globalAnnounceServer|/configuration/options/stunServer'";
  const test =
    `(& { if (-not (Test-Path -LiteralPath ${CONFIG})) { return $false }; ${READ_CONFIG}; ` +
    `$w = ${wanted}; foreach ($k in $w.Keys) { $n = $x.SelectSingleNode($k); ` +
    'if (-not $n -or $n.InnerText -cne $w[$k]) { return $false } }; ' +
    "$l = @($x.SelectNodes('/configuration/options/listenAddress') | ForEach-Object { $_.InnerText }); " +
    `($l -join ' ') -ceq ${psQuote(listen)} -and $x.SelectNodes(${servers}).Count -eq 0 })`;
  const apply =
    `${STOP}; if (-not (Test-Path -LiteralPath ${CONFIG})) { $exe = ${EXE}; if (-not $exe) { ${NOT_INSTALLED} }; ` +
    `$h = ${HOME}; New-Item -ItemType Directory -Force -Path $h | Out-Null; ` +
    "& $exe generate ('--home=' + $h) --no-default-folder --skip-port-probing | Out-Null; " +
    "if ($LASTEXITCODE -ne 0) { throw ('syncthing generate failed: ' + $LASTEXITCODE) } }; " +
    `${READ_CONFIG}; $w = ${wanted}; foreach ($k in $w.Keys) { $n = $x.SelectSingleNode($k); ` +
    "if (-not $n) { $i = $k.LastIndexOf('/'); " +
    '$n = $x.SelectSingleNode($k.Substring(0, $i)).AppendChild($x.CreateElement($k.Substring($i + 1))) }; ' +
    "$n.InnerText = $w[$k] }; $o = $x.SelectSingleNode('/configuration/options'); " +
    `foreach ($n in @($x.SelectNodes(${stale}))) { [void]$o.RemoveChild($n) }; ` +
    `$n = $x.CreateElement('listenAddress'); $n.InnerText = ${psQuote(listen)}; [void]$o.PrependChild($n); ${SAVE_CONFIG}`;
  const options = Object.entries(intent.options)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return action(
    'syncthing:config',
    `Syncthing config.xml: GUI ${gui}, listen ${listen}, ${options}`,
    test,
    apply,
  );
}

/** `.stignore` in the shared folder, as the Linux roles write it: only when there is none. */
function stignoreAction(folder: SyncthingWindowsFolder, text: string): WindowsAction {
  const file = `${folder.path.replace(/\\+$/, '')}\\.stignore`;
  // LF line ends and no byte order mark: the same bytes as on the other members.
  const lines = `@(${text.replace(/\n$/, '').split('\n').map(psQuote).join(', ')})`;
  const test = `(Test-Path -LiteralPath ${psQuote(file)})`;
  const apply =
    `[void][IO.Directory]::CreateDirectory(${psQuote(folder.path)}); ` +
    `[IO.File]::WriteAllText(${psQuote(file)}, ((${lines} -join [char]10) + [char]10), (New-Object System.Text.UTF8Encoding $false))`;
  return action(`file:${file}`, `${file} (only when missing)`, test, apply);
}

/**
 * The shared folder in `config.xml`, with the Linux roles' settings. A folder of that ID at
 * another path is an error, never moved.
 */
function folderAction(folder: SyncthingWindowsFolder): WindowsAction {
  const xpath = psQuote(`/configuration/folder[@id='${folder.id}']`);
  const attributes = table(Object.entries({ label: folder.label, ...folder.attributes }));
  const path = psQuote(folder.path);
  const type = psQuote(folder.versioning.type);
  const samePath = `$f.GetAttribute('path').TrimEnd('\\') -eq ${path}.TrimEnd('\\')`;
  const test =
    `(& { if (-not (Test-Path -LiteralPath ${CONFIG})) { return $false }; ${READ_CONFIG}; ` +
    `$f = $x.SelectSingleNode(${xpath}); if (-not $f -or -not (${samePath})) { return $false }; ` +
    `$w = ${attributes}; foreach ($k in $w.Keys) { if ($f.GetAttribute($k) -cne $w[$k]) { return $false } }; ` +
    `$v = $f.SelectSingleNode('versioning'); [bool]$v -and $v.GetAttribute('type') -ceq ${type} })`;
  const params = Object.entries(folder.versioning.params)
    .map(
      ([k, v]) =>
        `$p = $x.CreateElement('param'); $p.SetAttribute('key', ${psQuote(k)}); $p.SetAttribute('val', ${psQuote(v)}); [void]$v.AppendChild($p)`,
    )
    .join('; ');
  const apply =
    `${READ_CONFIG}; $f = $x.SelectSingleNode(${xpath}); ` +
    `if ($f -and -not (${samePath})) { throw ('folder ${folder.id} already points at ' + $f.GetAttribute('path') + ', not ' + ${path} + ': set MESH_SHARED_FOLDER_WINDOWS to it again, or move the folder in Syncthing first') }; ` +
    `${STOP}; [void][IO.Directory]::CreateDirectory(${path}); ` +
    `if (-not $f) { $f = $x.CreateElement('folder'); $f.SetAttribute('id', ${psQuote(folder.id)}); $f.SetAttribute('path', ${path}); [void]$x.DocumentElement.AppendChild($f) }; ` +
    `$w = ${attributes}; foreach ($k in $w.Keys) { $f.SetAttribute($k, $w[$k]) }; ` +
    "$v = $f.SelectSingleNode('versioning'); if (-not $v) { $v = $f.AppendChild($x.CreateElement('versioning')) }; " +
    `if ($v.GetAttribute('type') -cne ${type}) { $v.RemoveAll(); $v.SetAttribute('type', ${type})${params ? `; ${params}` : ''} }; ${SAVE_CONFIG}`;
  const settings = Object.entries(folder.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return action(
    `syncthing:folder:${folder.id}`,
    `Syncthing folder ${folder.id} (${folder.label}) at ${folder.path}: ${settings}, ${folder.versioning.type} versioning`,
    test,
    apply,
  );
}

/**
 * The `Mesh Syncthing` logon task. It runs whether or not the user is logged on (S4U, no stored
 * password), which is what keeps a console program such as syncthing.exe from opening a window:
 * `--no-console` no longer hides it where Windows Terminal is the default console.
 */
function taskAction(intent: SyncthingWindowsIntent, gui: string): WindowsAction {
  const user = intent.user === undefined ? '$env:USERNAME' : psQuote(intent.user);
  const task = psQuote(SYNCTHING_TASK_NAME);
  // The home is quoted with [char]34 at run time: it holds the user's name, which may have spaces.
  const argument = `('serve --home=' + [char]34 + ${HOME} + [char]34 + ${psQuote(` --no-browser --no-upgrade --gui-address=${gui}`)})`;
  const test =
    `(& { $exe = ${EXE}; $sa = ${argument}; ` +
    `@(Get-ScheduledTask -TaskName ${task} -ErrorAction SilentlyContinue | Where-Object { ` +
    "$_.Principal.LogonType -eq 'S4U' -and " +
    '@($_.Actions | Where-Object { $_.Execute -eq $exe -and $_.Arguments -eq $sa }).Count -gt 0 }).Count -gt 0 })';
  const apply =
    `if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { ` +
    `throw 'the Mesh Syncthing task must be configured from a user session' }; ` +
    `$exe = ${EXE}; if (-not $exe) { ${NOT_INSTALLED} }; ` +
    `$a = New-ScheduledTaskAction -Execute $exe -Argument ${argument}; ` +
    `$t = New-ScheduledTaskTrigger -AtLogOn -User ${user}; ` +
    // Task Scheduler otherwise stops a task after 72 hours; Syncthing runs for the whole session.
    '$s = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries ' +
    '-ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1); ' +
    `$p = New-ScheduledTaskPrincipal -UserId ${user} -LogonType S4U; ` +
    `Register-ScheduledTask -TaskName ${task} -Action $a -Trigger $t -Settings $s -Principal $p ` +
    `-Description ${psQuote(SYNCTHING_TASK_DESCRIPTION)} -Force | Out-Null`;
  return action(
    `task:${SYNCTHING_TASK_NAME}`,
    `scheduled task ${SYNCTHING_TASK_NAME} (syncthing.exe serve, GUI ${gui}, at logon, no window)`,
    test,
    apply,
  );
}

/** Syncthing answering on its GUI port now, so no logon is needed before the mesh agent pairs it. */
function runningAction(guiPort: number): WindowsAction {
  const answers =
    `(& { $tc = New-Object System.Net.Sockets.TcpClient; try { $tc.Connect('127.0.0.1', ${guiPort}); $true } ` +
    'catch { $false } finally { $tc.Close() } })';
  const apply =
    `Start-ScheduledTask -TaskName ${psQuote(SYNCTHING_TASK_NAME)}; $until = (Get-Date).AddSeconds(45); ` +
    `while (-not ${answers} -and (Get-Date) -lt $until) { Start-Sleep -Milliseconds 500 }`;
  return action('syncthing:running', `Syncthing answering on 127.0.0.1:${guiPort}`, answers, apply);
}

/**
 * Every Syncthing step of a Windows machine, in order: private config (generated when missing),
 * `.stignore`, the shared folder, the logon task, and Syncthing started. The steps that edit
 * `config.xml` stop Syncthing first; the last one starts it again.
 */
export function syncthingWindowsActions(intent: SyncthingWindowsIntent): WindowsAction[] {
  const folder = validate(intent);
  const plan = portPlan('windows');
  const guiPort = intent.guiPort ?? plan.syncthingGui;
  const gui = `127.0.0.1:${guiPort}`;
  const listen = `tcp://0.0.0.0:${intent.syncPort ?? plan.syncthingSync}`;
  return [
    configAction(intent, gui, listen),
    ...(folder.stignore === undefined ? [] : [stignoreAction(folder, folder.stignore)]),
    folderAction(folder),
    taskAction(intent, gui),
    runningAction(guiPort),
  ];
}
