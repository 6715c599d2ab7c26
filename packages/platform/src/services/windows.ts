import * as z from 'zod/mini';
import { ServiceError } from '../errors.js';
import { createRunner, type Runner, runChecked } from '../runner.js';
import { type Command, powershellCommand, psQuote } from '../windows/powershell.js';
import type { ServiceManager, ServiceSpec, ServiceStatus } from './service.js';

/** The commands that manage one Windows service, for each verb. */
/** What the status command prints (`ConvertTo-Json`): names or enum numbers. */
const windowsServiceState = z.looseObject({
  state: z.nullish(z.union([z.string(), z.number()])),
  startType: z.nullish(z.union([z.string(), z.number()])),
});

export interface WindowsServiceCommands {
  install: Command;
  enable: Command;
  disable: Command;
  start: Command;
  stop: Command;
  /** Stops and deletes it. */
  uninstall: Command;
  status: Command;
}

/**
 * Commands for a Windows "service" of one of two kinds:
 * - `task` (default): a scheduled task at logon that restarts on failure; suits user programs
 *   such as Syncthing that are not real Windows services;
 * - `service`: a real SCM service through `sc.exe` (the program must speak the service protocol).
 */
export function windowsServiceCommands(
  spec: ServiceSpec,
  kind: 'task' | 'service' = 'task',
): WindowsServiceCommands {
  const [program, ...args] = spec.exec;
  if (!program) throw new ServiceError(`${spec.name}: exec is empty`);
  const name = psQuote(spec.name);
  if (kind === 'service') {
    // sc.exe parses `key= value` pairs: the space after `=` is part of its syntax.
    const binPath = [program, ...args].map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
    return {
      install: {
        file: 'sc.exe',
        args: [
          'create',
          spec.name,
          'binPath=',
          binPath,
          'start=',
          'auto',
          'DisplayName=',
          spec.description,
        ],
      },
      enable: { file: 'sc.exe', args: ['config', spec.name, 'start=', 'auto'] },
      disable: { file: 'sc.exe', args: ['config', spec.name, 'start=', 'demand'] },
      start: { file: 'sc.exe', args: ['start', spec.name] },
      stop: { file: 'sc.exe', args: ['stop', spec.name] },
      uninstall: powershellCommand(
        `if (Get-Service -Name ${name} -ErrorAction SilentlyContinue) { Stop-Service -Name ${name} -Force; sc.exe delete ${name} | Out-Null }`,
      ),
      status: powershellCommand(
        `$s = Get-Service -Name ${name}; @{ state = [string]$s.Status; startType = [string]$s.StartType } | ConvertTo-Json -Compress`,
      ),
    };
  }
  // Arguments are double-quoted at run time ([char]34) when they contain spaces.
  const argList = `((@(${args.map(psQuote).join(', ')}) | ForEach-Object { if ($_ -match '\\s') { [char]34 + $_ + [char]34 } else { $_ } }) -join ' ')`;
  const install =
    `$a = New-ScheduledTaskAction -Execute ${psQuote(program)}${args.length > 0 ? ` -Argument ${argList}` : ''}; ` +
    `$t = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME; ` +
    `$s = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries ` +
    `-ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1); ` +
    `Register-ScheduledTask -TaskName ${name} -Action $a -Trigger $t -Settings $s ` +
    `-Description ${psQuote(spec.description)} -Force | Out-Null`;
  return {
    install: powershellCommand(install),
    enable: powershellCommand(`Enable-ScheduledTask -TaskName ${name} | Out-Null`),
    disable: powershellCommand(`Disable-ScheduledTask -TaskName ${name} | Out-Null`),
    start: powershellCommand(`Start-ScheduledTask -TaskName ${name}`),
    stop: powershellCommand(`Stop-ScheduledTask -TaskName ${name}`),
    uninstall: powershellCommand(
      `if (Get-ScheduledTask -TaskName ${name} -ErrorAction SilentlyContinue) { Stop-ScheduledTask -TaskName ${name}; Unregister-ScheduledTask -TaskName ${name} -Confirm:$false }`,
    ),
    status: powershellCommand(
      `$t = Get-ScheduledTask -TaskName ${name}; @{ state = [string]$t.State } | ConvertTo-Json -Compress`,
    ),
  };
}

/** A {@link ServiceManager} that runs {@link windowsServiceCommands} (natively or through WSL interop). */
export function windowsServiceManager(
  options: { runner?: Runner; kind?: 'task' | 'service' } = {},
): ServiceManager {
  const runner = options.runner ?? createRunner();
  const specs = new Map<string, ServiceSpec>();
  const commands = (name: string) =>
    windowsServiceCommands(
      specs.get(name) ?? { name, description: name, exec: ['-'] },
      options.kind,
    );
  const exec = (c: Command) => runChecked(runner, c.file, c.args, { timeout: 120_000 });
  const manager: ServiceManager = {
    kind: 'windows',
    async install(spec) {
      specs.set(spec.name, spec);
      await exec(windowsServiceCommands(spec, options.kind).install);
      // Register-ScheduledTask -Force / sc.exe create cannot tell us whether anything differed.
      return { changed: true };
    },
    enable: async (name) => void (await exec(commands(name).enable)),
    disable: async (name) => void (await exec(commands(name).disable)),
    start: async (name) => void (await exec(commands(name).start)),
    stop: async (name) => void (await exec(commands(name).stop)),
    uninstall: async (name) => void (await exec(commands(name).uninstall)),
    async restart(name) {
      await manager.stop(name);
      await manager.start(name);
    },
    async status(name): Promise<ServiceStatus> {
      const c = commands(name).status;
      const r = await runner.run(c.file, c.args, { timeout: 60_000 });
      if (r.exitCode !== 0) {
        return { name, installed: false, active: false, enabled: false, detail: 'not installed' };
      }
      let parsed: z.infer<typeof windowsServiceState>;
      try {
        parsed = windowsServiceState.parse(JSON.parse(r.stdout));
      } catch {
        throw new ServiceError(`${name}: unexpected status output: ${r.stdout.slice(0, 200)}`);
      }
      const state = String(parsed.state ?? 'Unknown');
      return {
        name,
        installed: true,
        active: state === 'Running',
        enabled:
          options.kind === 'service' ? parsed.startType === 'Automatic' : state !== 'Disabled',
        detail: state,
      };
    },
    async logs() {
      throw new ServiceError('Windows services keep no Mesh log', {
        hint: 'see the program’s own log (Syncthing: %LOCALAPPDATA%\\Syncthing)',
      });
    },
  };
  return manager;
}
