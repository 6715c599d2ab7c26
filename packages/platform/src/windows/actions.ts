import { PlatformConfigError } from '../errors.js';
import { portPlan, SYNCTHING_DISCOVERY_PORT } from '../ports.js';
import { type Command, powershellCommand, psQuote } from './powershell.js';
import { type SyncthingWindowsIntent, syncthingWindowsActions } from './syncthing.js';

/**
 * One idempotent change on Windows: `check` exits 0 when the machine already matches, `apply`
 * makes it match. `script` holds the same test and change as PowerShell for the rendered script.
 */
export interface WindowsAction {
  /** Stable id, for example `firewall:WSL2 SSH`. */
  id: string;
  /** What it ensures, one line. */
  description: string;
  check: Command;
  apply: Command[];
  script: {
    /** A PowerShell expression that is `$true` when nothing needs changing. */
    test: string;
    /** PowerShell statements that make the test pass. */
    apply: string;
    /** When set, the step runs only if this variable (a script parameter) is non-empty. */
    requires?: string;
  };
}

// ---------------------------------------------------------------- firewall

/**
 * An inbound Allow rule, matched by display name so a rule an existing install already created is
 * found and corrected, not duplicated.
 */
export interface FirewallRule {
  displayName: string;
  protocol: 'TCP' | 'UDP';
  port: number;
}

/**
 * The four rules a Mesh PC needs (SSH into WSL2, Syncthing sync on Windows and WSL2, Syncthing
 * discovery), with ports from the port plan.
 */
export function defaultFirewallRules(): FirewallRule[] {
  return [
    { displayName: 'WSL2 SSH', protocol: 'TCP', port: portPlan('wsl2').ssh },
    { displayName: 'Syncthing Windows', protocol: 'TCP', port: portPlan('windows').syncthingSync },
    { displayName: 'Syncthing WSL2', protocol: 'TCP', port: portPlan('wsl2').syncthingSync },
    { displayName: 'Syncthing Discovery', protocol: 'UDP', port: SYNCTHING_DISCOVERY_PORT },
  ];
}

/** Ensures one inbound Allow firewall rule: created when missing, corrected when it differs. */
export function firewallRuleAction(rule: FirewallRule): WindowsAction {
  const name = psQuote(rule.displayName);
  const settings = `-Direction Inbound -Action Allow -Protocol ${rule.protocol} -LocalPort ${rule.port}`;
  const test =
    `(@(Get-NetFirewallRule -DisplayName ${name} -ErrorAction SilentlyContinue | Where-Object { ` +
    `$_.Enabled -eq 'True' -and $_.Direction -eq 'Inbound' -and $_.Action -eq 'Allow' -and ` +
    `@($_ | Get-NetFirewallPortFilter | Where-Object { $_.Protocol -eq '${rule.protocol}' -and ` +
    `$_.LocalPort -eq '${rule.port}' }).Count -gt 0 }).Count -gt 0)`;
  const apply =
    `if (Get-NetFirewallRule -DisplayName ${name} -ErrorAction SilentlyContinue) { ` +
    `Set-NetFirewallRule -DisplayName ${name} ${settings} -Enabled True } else { ` +
    `New-NetFirewallRule -DisplayName ${name} ${settings} | Out-Null }`;
  return {
    id: `firewall:${rule.displayName}`,
    description: `firewall rule ${rule.displayName} (inbound ${rule.protocol} ${rule.port})`,
    check: powershellCommand(`if (${test}) { exit 0 } else { exit 1 }`),
    apply: [powershellCommand(apply)],
    script: { test, apply },
  };
}

// ---------------------------------------------------------------- scheduled task

/** Name of the task that starts WSL2 at logon: the name existing installs already use. */
export const WSL_TASK_NAME = 'Start WSL2';
const WSL_TASK_DESCRIPTION = 'Starts WSL2 at login for SSH and Syncthing services';

export interface WslAutoStartIntent {
  /** The distro to start, e.g. the first line of `wsl -l -q` (see {@link parseWslList}). */
  distro: string;
  /** The user whose logon triggers it. @default $env:USERNAME (the user running the command) */
  user?: string;
}

/**
 * Ensures the `Start WSL2` scheduled task: `wsl.exe -d <distro> -- true` at the user's logon,
 * allowed on battery. Refuses to run as SYSTEM (the task must belong to a user session).
 */
export function wslAutoStartAction(intent: WslAutoStartIntent): WindowsAction {
  if (!/^[A-Za-z0-9._-]+$/.test(intent.distro)) {
    throw new PlatformConfigError(
      'distro',
      `not a WSL distro name: ${JSON.stringify(intent.distro)}`,
    );
  }
  const args = `-d ${intent.distro} -- true`;
  const user = intent.user === undefined ? '$env:USERNAME' : psQuote(intent.user);
  const task = psQuote(WSL_TASK_NAME);
  const test =
    `(@(Get-ScheduledTask -TaskName ${task} -ErrorAction SilentlyContinue | Where-Object { ` +
    `@($_.Actions | Where-Object { $_.Execute -eq 'wsl.exe' -and $_.Arguments -eq ${psQuote(args)} }).Count -gt 0 ` +
    `}).Count -gt 0)`;
  const apply =
    `if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { ` +
    `throw 'WSL auto-start must be configured from a user session' }; ` +
    `$a = New-ScheduledTaskAction -Execute 'wsl.exe' -Argument ${psQuote(args)}; ` +
    `$t = New-ScheduledTaskTrigger -AtLogOn -User ${user}; ` +
    `$s = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries; ` +
    `Register-ScheduledTask -TaskName ${task} -Action $a -Trigger $t -Settings $s ` +
    `-Description ${psQuote(WSL_TASK_DESCRIPTION)} -Force | Out-Null`;
  return {
    id: `task:${WSL_TASK_NAME}`,
    description: `scheduled task ${WSL_TASK_NAME} (wsl.exe ${args} at logon)`,
    check: powershellCommand(`if (${test}) { exit 0 } else { exit 1 }`),
    apply: [powershellCommand(apply)],
    script: { test, apply },
  };
}

/** Name of the task that runs `mesh agent run` at logon. */
export const MESH_AGENT_TASK_NAME = 'Mesh Agent';
const MESH_AGENT_TASK_DESCRIPTION =
  'Runs the mesh agent at logon: vouches for this node and pairs the shared folder';

export interface MeshAgentTaskIntent {
  /** Absolute path of the program, e.g. `C:\Program Files\nodejs\node.exe` or a single-file `mesh.exe`. */
  program: string;
  /** Its arguments, e.g. `['C:\...\mesh.js', 'agent', 'run']` or `['agent', 'run']`. */
  args: string[];
  /** The user whose logon triggers it. @default $env:USERNAME (the user running the command) */
  user?: string;
}

// What Windows forbids in a path, and control characters (a line break would end the PowerShell
// statement). `"` is refused in every input because the task's command line quotes with it.
const BAD_PATH_CHARS = /["<>|?*\p{Cc}]/u;
const BAD_ARG_CHARS = /["\p{Cc}]/u;

/** The task's Arguments string: the Windows command-line form, quoted only where needed. */
function windowsCommandLine(args: readonly string[]): string {
  return args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
}

/**
 * A PowerShell expression for a value that may hold `"`. Generated commands carry no double quote
 * (it does not survive WSL interop's command line), so `"` comes from `[char]34` through `-f`.
 */
function psQuoteWithDoubleQuotes(value: string): string {
  if (!value.includes('"')) return psQuote(value);
  return `(${psQuote(value.replace(/[{}]/g, '$&$&').replace(/"/g, '{0}'))} -f [char]34)`;
}

function validateMeshAgentTask(intent: MeshAgentTaskIntent): void {
  const hint = 'give the absolute Windows path of mesh.exe, or of node.exe and mesh.js';
  const p = intent.program;
  if (!/^[A-Za-z]:\\[^\\]/.test(p) || p.endsWith('\\') || BAD_PATH_CHARS.test(p.slice(2))) {
    throw new PlatformConfigError(
      'agent.program',
      `not an absolute Windows path of a program: ${JSON.stringify(p)}`,
      { hint },
    );
  }
  if (intent.args.length === 0) {
    throw new PlatformConfigError('agent.args', 'no arguments (expected at least agent run)', {
      hint,
    });
  }
  for (const arg of intent.args) {
    if (arg === '' || BAD_ARG_CHARS.test(arg)) {
      throw new PlatformConfigError(
        'agent.args',
        `not a usable argument: ${JSON.stringify(arg)} (empty, or with a quote or a line break)`,
        { hint },
      );
    }
    // Quoted for its spaces, a final backslash would escape the closing quote.
    if (/\s/.test(arg) && arg.endsWith('\\')) {
      throw new PlatformConfigError(
        'agent.args',
        `an argument with spaces cannot end in a backslash: ${JSON.stringify(arg)}`,
        { hint },
      );
    }
  }
}

/**
 * Ensures the `Mesh Agent` scheduled task: the given program and arguments at the user's logon,
 * with highest privileges, hidden, allowed on battery, with no time limit and restarted when it
 * fails. Refuses to run as SYSTEM (the task must belong to a user session). The test matches the
 * action exactly, so a changed path or argument registers the task again.
 */
export function meshAgentTaskAction(intent: MeshAgentTaskIntent): WindowsAction {
  validateMeshAgentTask(intent);
  const commandLine = windowsCommandLine(intent.args);
  const program = psQuote(intent.program);
  const args = psQuoteWithDoubleQuotes(commandLine);
  const user = intent.user === undefined ? '$env:USERNAME' : psQuote(intent.user);
  const task = psQuote(MESH_AGENT_TASK_NAME);
  const test =
    `(@(Get-ScheduledTask -TaskName ${task} -ErrorAction SilentlyContinue | Where-Object { ` +
    `@($_.Actions | Where-Object { $_.Execute -eq ${program} -and $_.Arguments -eq ${args} }).Count -gt 0 ` +
    `}).Count -gt 0)`;
  const apply =
    `if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { ` +
    `throw 'the Mesh Agent task must be configured from a user session' }; ` +
    `$a = New-ScheduledTaskAction -Execute ${program} -Argument ${args}; ` +
    `$t = New-ScheduledTaskTrigger -AtLogOn -User ${user}; ` +
    // Task Scheduler otherwise stops a task after 72 hours; the agent runs for the whole session.
    `$s = New-ScheduledTaskSettingsSet -Hidden -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries ` +
    `-ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1); ` +
    // Elevated like the mesh-agent service, which runs as root elsewhere.
    `$p = New-ScheduledTaskPrincipal -UserId ${user} -LogonType Interactive -RunLevel Highest; ` +
    `Register-ScheduledTask -TaskName ${task} -Action $a -Trigger $t -Settings $s -Principal $p ` +
    `-Description ${psQuote(MESH_AGENT_TASK_DESCRIPTION)} -Force | Out-Null`;
  return {
    id: `task:${MESH_AGENT_TASK_NAME}`,
    description: `scheduled task ${MESH_AGENT_TASK_NAME} (${intent.program} ${commandLine} at logon)`,
    check: powershellCommand(`if (${test}) { exit 0 } else { exit 1 }`),
    apply: [powershellCommand(apply)],
    script: { test, apply },
  };
}

/** Reads `wsl.exe -l -q` output, which is UTF-16LE: NULs stripped, one distro per line. */
export function parseWslList(output: string | Uint8Array): string[] {
  const text = typeof output === 'string' ? output : Buffer.from(output).toString('utf16le');
  return text
    .replace(/\0/g, '')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------- winget

/** The winget ids Mesh installs. */
export const WINGET_IDS = {
  tailscale: 'Tailscale.Tailscale',
  syncthing: 'Syncthing.Syncthing',
} as const;

/**
 * `winget install`, silent and with the agreements accepted so it runs unattended
 * (`--source winget` avoids msstore's certificate error over SSH).
 */
export function wingetInstallCommand(id: string): Command {
  return {
    file: 'winget.exe',
    args: [
      'install',
      '-e',
      '--id',
      id,
      '--accept-package-agreements',
      '--accept-source-agreements',
      '--silent',
      '--source',
      'winget',
    ],
  };
}

/** `winget list -e --id ID`: exits 0 when the package is installed. */
export function wingetListCommand(id: string): Command {
  return {
    file: 'winget.exe',
    args: ['list', '-e', '--id', id, '--source', 'winget', '--accept-source-agreements'],
  };
}

/** Ensures a winget package is installed (checks `winget list` first). */
export function wingetPackageAction(id: string): WindowsAction {
  const list = wingetListCommand(id)
    .args.map((a) => (a === id ? psQuote(id) : a))
    .join(' ');
  const install = wingetInstallCommand(id)
    .args.map((a) => (a === id ? psQuote(id) : a))
    .join(' ');
  return {
    id: `winget:${id}`,
    description: `package ${id} (winget)`,
    check: wingetListCommand(id),
    apply: [wingetInstallCommand(id)],
    script: {
      test: `(& { winget ${list} *> $null; $LASTEXITCODE -eq 0 })`,
      apply: `winget ${install}; if ($LASTEXITCODE -ne 0) { throw ('winget install failed: ' + $LASTEXITCODE) }`,
    },
  };
}

// ---------------------------------------------------------------- Tailscale registry + env file

/**
 * Where Mesh puts Tailscale's unattended-login values (a legacy policy key Tailscale still reads).
 */
export const TAILSCALE_REGISTRY_KEY = 'HKLM:\\SOFTWARE\\Tailscale IPN';
/** tailscaled's environment file on Windows, read when the service starts. */
export const TAILSCALED_ENV_FILE = 'C:\\ProgramData\\Tailscale\\tailscaled-env.txt';

export interface TailscaleWindowsIntent {
  /** The Headscale URL (`LoginURL`); a trailing slash is dropped as Tailscale requires. */
  loginUrl: string;
  /** Set `UnattendedMode=always` so the node runs without a logged-in GUI user. @default true */
  unattended?: boolean;
  /**
   * A pre-auth key for `AuthKey`. Never put in argv: commands read it from stdin and the rendered
   * script from its `-AuthKey` parameter (or `MESH_TAILSCALE_AUTHKEY`).
   */
  authKey?: string;
  /** Variables for tailscaled-env.txt. @default { TS_NO_LOGS_NO_SUPPORT: 'true' } */
  daemonEnv?: Record<string, string>;
  /** Registry key for the values. @default 'HKLM:\SOFTWARE\Tailscale IPN' */
  registryKey?: string;
}

function registryValueAction(
  key: string,
  name: string,
  value: string | { secret: string },
): WindowsAction {
  const k = psQuote(key);
  const secret = typeof value === 'object';
  // A secret is read from stdin into $AuthKey, the same variable the rendered script uses.
  const v = secret ? '$AuthKey' : psQuote(value);
  const preface = secret ? '$AuthKey = [Console]::In.ReadLine(); ' : '';
  const input = secret ? `${value.secret}\n` : undefined;
  const test = `((Get-ItemProperty -LiteralPath ${k} -ErrorAction SilentlyContinue).${name} -ceq ${v})`;
  const apply =
    `if (-not (Test-Path -LiteralPath ${k})) { New-Item -Path ${k} -Force | Out-Null }; ` +
    `New-ItemProperty -LiteralPath ${k} -Name ${psQuote(name)} -Value ${v} -PropertyType String -Force | Out-Null`;
  return {
    id: `registry:${name}`,
    description: `registry ${key}\\${name}${secret ? ' (secret)' : ` = ${value}`}`,
    check: powershellCommand(`${preface}if (${test}) { exit 0 } else { exit 1 }`, input),
    apply: [powershellCommand(`${preface}${apply}`, input)],
    script: { test, apply, ...(secret ? { requires: '$AuthKey' } : {}) },
  };
}

/** Ensures the lines `KEY=VALUE` in tailscaled-env.txt (other lines kept), then restarts the service. */
export function tailscaledEnvAction(vars: Record<string, string>): WindowsAction {
  const p = psQuote(TAILSCALED_ENV_FILE);
  const entries = Object.entries(vars).sort(([a], [b]) => a.localeCompare(b));
  const table = `@{ ${entries.map(([k, v]) => `${psQuote(k)} = ${psQuote(v)}`).join('; ')} }`;
  const test =
    `(& { $w = ${table}; $have = @(Get-Content -LiteralPath ${p} -ErrorAction SilentlyContinue); ` +
    `@($w.Keys | Where-Object { $have -notcontains ($_ + '=' + $w[$_]) }).Count -eq 0 })`;
  const apply =
    `$w = ${table}; $p = ${p}; ` +
    `New-Item -ItemType Directory -Force -Path (Split-Path -Parent $p) | Out-Null; ` +
    `$old = @(Get-Content -LiteralPath $p -ErrorAction SilentlyContinue); $seen = @{}; ` +
    `$new = @(foreach ($l in $old) { $k = ($l -split '=', 2)[0].Trim(); ` +
    `if ($w.ContainsKey($k)) { if (-not $seen[$k]) { $k + '=' + $w[$k]; $seen[$k] = $true } } else { $l } }); ` +
    `foreach ($k in $w.Keys) { if (-not $seen[$k]) { $new += ($k + '=' + $w[$k]) } }; ` +
    `if (Test-Path -LiteralPath $p) { Copy-Item -LiteralPath $p -Destination ($p + '.mesh-bak') -Force }; ` +
    `Set-Content -LiteralPath ($p + '.mesh-tmp') -Value $new -Encoding ASCII; ` +
    `Move-Item -LiteralPath ($p + '.mesh-tmp') -Destination $p -Force; ` +
    `if (Get-Service -Name 'Tailscale' -ErrorAction SilentlyContinue) { Restart-Service -Name 'Tailscale' }`;
  return {
    id: 'file:tailscaled-env.txt',
    description: `${TAILSCALED_ENV_FILE}: ${entries.map(([k, v]) => `${k}=${v}`).join(' ')}`,
    check: powershellCommand(`if (${test}) { exit 0 } else { exit 1 }`),
    apply: [powershellCommand(apply)],
    script: { test, apply },
  };
}

/** Registry values and daemon environment for a self-hosted control server. */
export function tailscaleWindowsActions(intent: TailscaleWindowsIntent): WindowsAction[] {
  const key = intent.registryKey ?? TAILSCALE_REGISTRY_KEY;
  const actions = [registryValueAction(key, 'LoginURL', intent.loginUrl.replace(/\/+$/, ''))];
  if (intent.unattended ?? true) actions.push(registryValueAction(key, 'UnattendedMode', 'always'));
  if (intent.authKey !== undefined) {
    actions.push(registryValueAction(key, 'AuthKey', { secret: intent.authKey }));
  }
  actions.push(tailscaledEnvAction(intent.daemonEnv ?? { TS_NO_LOGS_NO_SUPPORT: 'true' }));
  return actions;
}

// ---------------------------------------------------------------- intent

/** Everything Mesh wants on a Windows host. Each part is optional. */
export interface WindowsIntent {
  /** winget ids to install. @default [] */
  install?: string[];
  /** Firewall rules; `true` means the four of {@link defaultFirewallRules}. @default false */
  firewall?: boolean | FirewallRule[];
  /** Syncthing: private config, shared folder, `.stignore`, the logon task, started. */
  syncthing?: SyncthingWindowsIntent;
  /** The `Start WSL2` logon task. */
  wslAutoStart?: WslAutoStartIntent;
  /** The `Mesh Agent` logon task that runs `mesh agent run`. */
  agent?: MeshAgentTaskIntent;
  /** Tailscale registry values and tailscaled-env.txt. */
  tailscale?: TailscaleWindowsIntent;
}

/**
 * Every action of an intent, in the order they run: installs, firewall, Syncthing, tasks,
 * Tailscale.
 */
export function windowsActions(intent: WindowsIntent): WindowsAction[] {
  const rules =
    intent.firewall === true ? defaultFirewallRules() : intent.firewall ? intent.firewall : [];
  return [
    ...(intent.install ?? []).map(wingetPackageAction),
    ...rules.map(firewallRuleAction),
    ...(intent.syncthing ? syncthingWindowsActions(intent.syncthing) : []),
    ...(intent.wslAutoStart ? [wslAutoStartAction(intent.wslAutoStart)] : []),
    ...(intent.agent ? [meshAgentTaskAction(intent.agent)] : []),
    ...(intent.tailscale ? tailscaleWindowsActions(intent.tailscale) : []),
  ];
}
