import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError } from '../errors.js';
import { pathExists, writeFileAtomic } from '../internal/atomic-file.js';
import { inRoot } from '../internal/root.js';
import { createRunner, type Runner, runChecked } from '../runner.js';
import type { ServiceHardening, ServiceManager, ServiceSpec, ServiceStatus } from './service.js';

const NAME = /^[A-Za-z0-9:_.@-]+$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new ServiceError(`not a valid unit name: ${JSON.stringify(name)}`);
}

/**
 * Quotes one ExecStart word per systemd.service(5): `%` → `%%`, `$` → `$$`, and words with
 * spaces, quotes or backslashes in double quotes with C-style escapes.
 */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function quoteEnv(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new ServiceError(`not a valid environment variable name: ${key}`);
  }
  return `"${`${key}=${value}`.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Renders a `.service` unit for a spec. `scope: 'user'` targets `default.target`. */
export function renderSystemdUnit(spec: ServiceSpec, scope: 'system' | 'user' = 'system'): string {
  checkName(spec.name);
  const [program] = spec.exec;
  if (!program || !path.posix.isAbsolute(program)) {
    throw new ServiceError(
      `ExecStart needs an absolute program path, got ${JSON.stringify(program)}`,
    );
  }
  const after = spec.after ?? (scope === 'system' ? ['network-online.target'] : []);
  const lines = ['# Written by @mesh/platform; edits are replaced on the next install.', '[Unit]'];
  lines.push(`Description=${spec.description.replace(/\n/g, ' ')}`);
  if (after.length > 0) lines.push(`After=${after.join(' ')}`, `Wants=${after.join(' ')}`);
  lines.push('', '[Service]', 'Type=simple', `ExecStart=${spec.exec.map(quoteExecArg).join(' ')}`);
  for (const [k, v] of Object.entries(spec.env ?? {})) lines.push(`Environment=${quoteEnv(k, v)}`);
  if (spec.environmentFile) lines.push(`EnvironmentFile=${spec.environmentFile}`);
  if (spec.workingDirectory) lines.push(`WorkingDirectory=${spec.workingDirectory}`);
  if (spec.user && scope === 'system') lines.push(`User=${spec.user}`);
  if (spec.group && scope === 'system') lines.push(`Group=${spec.group}`);
  if (spec.reloadSignal) lines.push(`ExecReload=/bin/kill -${spec.reloadSignal} $MAINPID`);
  lines.push(`Restart=${spec.restart ?? 'on-failure'}`, `RestartSec=${spec.restartSec ?? 5}`);
  if (spec.hardening && scope === 'system') lines.push(...hardeningLines(spec.hardening));
  lines.push(
    '',
    '[Install]',
    `WantedBy=${scope === 'user' ? 'default.target' : 'multi-user.target'}`,
  );
  return `${lines.join('\n')}\n`;
}

function hardeningLines(h: ServiceHardening): string[] {
  for (const p of h.readWritePaths) {
    if (!path.posix.isAbsolute(p)) {
      throw new ServiceError(`ReadWritePaths needs absolute paths, got ${JSON.stringify(p)}`);
    }
  }
  const caps = (h.capabilities ?? []).join(' ');
  const families = h.addressFamilies ?? ['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK'];
  if (h.runtimeDirectory !== undefined && !/^[A-Za-z0-9_.-]+$/.test(h.runtimeDirectory)) {
    throw new ServiceError(
      `RuntimeDirectory must be one name, got ${JSON.stringify(h.runtimeDirectory)}`,
    );
  }
  return [
    ...(h.runtimeDirectory
      ? [`RuntimeDirectory=${h.runtimeDirectory}`, 'RuntimeDirectoryMode=0750']
      : []),
    `ReadWritePaths=${[...new Set(h.readWritePaths)].map(quoteExecArg).join(' ')}`,
    // An empty bounding set drops every capability; the ambient set passes the kept ones to a non-root user.
    ...(caps ? [`AmbientCapabilities=${caps}`] : []),
    `CapabilityBoundingSet=${caps}`,
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    `RestrictAddressFamilies=${families.join(' ')}`,
    'LockPersonality=yes',
    'UMask=0077',
  ];
}

/**
 * A system unit that runs as its own user needs that user, the paths it writes, and read
 * access to `readable`: creates the system account when missing (no home, no login shell),
 * gives it `hardening.readWritePaths` and its group `readable`. Returns whether it created it.
 */
async function ensureServiceAccount(runner: Runner, spec: ServiceSpec): Promise<boolean> {
  const user = spec.user;
  if (!user || user === 'root') return false;
  const group = spec.group ?? user;
  const run = (file: string, args: string[]) =>
    runChecked(runner, file, args, { timeout: 30_000, hint: 'run as root' });
  let created = false;
  if ((await runner.run('getent', ['passwd', user], { timeout: 10_000 })).exitCode !== 0) {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      spec.workingDirectory ?? '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      user,
    ]);
    created = true;
  }
  for (const p of spec.hardening?.readWritePaths ?? []) {
    await run('mkdir', ['-p', p]);
    await run('chown', ['-R', `${user}:${group}`, p]);
  }
  for (const p of spec.readable ?? []) {
    await run('chgrp', [group, p]);
    await run('chmod', ['g+rX', p]);
  }
  return created;
}

export interface SystemdOptions {
  /** System units (`/etc/systemd/system`) or user units (`$XDG_CONFIG_HOME/systemd/user`). @default 'system' */
  scope?: 'system' | 'user';
  /** @default createRunner() */
  runner?: Runner;
  /** Machine root the unit files are written under. @default '/' */
  root?: string;
  /** Directory for unit files. @default per scope, see above */
  unitDir?: string;
  /** @default process.env (HOME, XDG_CONFIG_HOME for user units) */
  env?: Record<string, string | undefined>;
}

/** The unit directory of a scope. */
export function systemdUnitDir(
  scope: 'system' | 'user',
  env: Record<string, string | undefined> = process.env,
): string {
  if (scope === 'system') return '/etc/systemd/system';
  const config = env['XDG_CONFIG_HOME'] || path.posix.join(env['HOME'] ?? '/root', '.config');
  return path.posix.join(config, 'systemd', 'user');
}

/** Parses `systemctl show --property=...` output (`Key=Value` lines). */
export function parseSystemctlShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * A {@link ServiceManager} over systemd: unit files written atomically, then `systemctl
 * [--user] daemon-reload|enable|start|stop|restart|show` and `journalctl [--user] -u` via the Runner.
 */
export function systemdServiceManager(options: SystemdOptions = {}): ServiceManager {
  const scope = options.scope ?? 'system';
  const runner = options.runner ?? createRunner();
  const scopeArgs = scope === 'user' ? ['--user'] : [];
  const dir = options.unitDir ?? systemdUnitDir(scope, options.env ?? process.env);
  const unit = (name: string) => {
    checkName(name);
    return name.includes('.') ? name : `${name}.service`;
  };
  const systemctl = (...args: string[]) =>
    runChecked(runner, 'systemctl', [...scopeArgs, ...args], {
      timeout: 60_000,
      hint:
        scope === 'user'
          ? 'is a user systemd instance running (loginctl enable-linger)?'
          : 'run as root',
    });
  return {
    kind: scope === 'user' ? 'systemd-user' : 'systemd',
    async install(spec) {
      const file = inRoot(options.root, path.posix.join(dir, `${spec.name}.service`));
      const result = await writeFileAtomic(file, renderSystemdUnit(spec, scope), { mode: 0o644 });
      const account = scope === 'system' ? await ensureServiceAccount(runner, spec) : false;
      if (result.changed) await systemctl('daemon-reload');
      return { changed: result.changed || account, path: file };
    },
    async enable(name) {
      await systemctl('enable', unit(name));
    },
    async disable(name) {
      await systemctl('disable', unit(name));
    },
    async start(name) {
      await systemctl('start', unit(name));
    },
    async stop(name) {
      await systemctl('stop', unit(name));
    },
    async restart(name) {
      await systemctl('restart', unit(name));
    },
    async uninstall(name) {
      const file = inRoot(options.root, path.posix.join(dir, unit(name)));
      if (!(await pathExists(file))) return;
      // `disable --now` stops it too; the unit file goes last, so a failure leaves it there.
      await systemctl('disable', '--now', unit(name));
      await rm(file, { force: true });
      await systemctl('daemon-reload');
    },
    async status(name): Promise<ServiceStatus> {
      const r = await systemctl(
        'show',
        unit(name),
        '--property=LoadState,ActiveState,SubState,UnitFileState,MainPID',
      );
      const p = parseSystemctlShow(r.stdout);
      const pid = Number(p['MainPID'] ?? 0);
      return {
        name,
        installed: p['LoadState'] === 'loaded',
        active: p['ActiveState'] === 'active',
        enabled: p['UnitFileState'] === 'enabled',
        detail: `${p['ActiveState'] ?? 'unknown'} (${p['SubState'] ?? 'unknown'})`,
        ...(pid > 0 ? { pid } : {}),
      };
    },
    async logs(name, logOptions = {}) {
      const r = await runChecked(
        runner,
        'journalctl',
        [
          ...scopeArgs,
          '-u',
          unit(name),
          '-n',
          String(logOptions.lines ?? 100),
          '--no-pager',
          '-o',
          'cat',
        ],
        { timeout: 30_000 },
      );
      return r.stdout;
    },
  };
}
