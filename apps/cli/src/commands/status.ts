import path from 'node:path';
import {
  type EffectiveSetting,
  ExitCode,
  effectiveSettings,
  type MeshStatus,
  meshStatus,
  type StatusCheck,
  type StatusKeeper,
} from '@mesh/core';
import { type Caller, context } from '../context.js';
import type { Output } from '../output/output.js';

const SECTIONS: Array<[StatusCheck['section'], string]> = [
  ['environment', 'Environment'],
  ['headscale', 'Headscale Server'],
  ['tailscale', 'Tailscale'],
  ['syncthing', 'Syncthing'],
  ['trust', 'Pairing Trust'],
  ['configuration', 'Configuration'],
  ['security', 'Security'],
  ['conflicts', 'Conflicts'],
];

/** Prints a status report; returns the exit code (0 healthy, 3 unhealthy). */
export function printStatus(
  s: MeshStatus,
  verbose: boolean,
  out: Output,
  settings: readonly EffectiveSetting[] = [],
  cwd = process.cwd(),
): number {
  for (const [section, title] of SECTIONS) {
    const checks = s.checks.filter((c) => c.section === section);
    if (section === 'environment') {
      out.section(title);
      out.fields([
        ['Hostname', s.environment.hostname],
        ['OS', s.environment.osName],
        ['Role', s.environment.role],
        ...(verbose
          ? ([
              ['Syncthing home', s.environment.syncthingHome],
              ['Shared folder', s.environment.sharedFolder],
            ] as const)
          : []),
      ]);
      if (verbose && settings.length > 0) {
        out.line('  Settings:');
        out.table(
          ['SETTING', 'VALUE', 'SOURCE'],
          settings.map((e) => [e.name, e.value ?? '(unset)', sourceLabel(e.source, cwd)]),
        );
      }
    } else if (checks.length === 0) continue;
    else out.section(title);
    for (const c of checks) {
      if (c.level === 'ok') out.ok(c.message);
      else if (c.level === 'info') out.info(c.message);
      else if (c.level === 'warn') out.warn(c.message);
      else out.line(`${out.colour('red', 'FAIL:')} ${c.message}`);
      if (c.fix && c.level === 'fail') out.line(`  Fix: ${c.fix}`);
    }
    if (section === 'tailscale' && s.tailscale.peers.length > 0 && verbose) {
      out.table(
        ['HOSTNAME', 'IP', 'STATUS', 'PATH', 'LATENCY'],
        s.tailscale.peers.map((p) => [
          p.hostname,
          p.ip ?? '',
          p.online ? 'online' : 'offline',
          p.path,
          p.latencyMs === undefined ? '' : `${p.latencyMs} ms`,
        ]),
      );
    }
    if (section === 'syncthing' && s.syncthing.deviceId) {
      out.line(
        `  Device ID: ${verbose ? s.syncthing.deviceId : `${s.syncthing.deviceId.slice(0, 7)}...`}`,
      );
      if (verbose)
        for (const p of s.syncthing.connected)
          out.line(
            `  - ${p.name || p.deviceId.slice(0, 7)} (${p.deviceId.slice(0, 7)}...): ${p.connected ? 'connected' : 'disconnected'}`,
          );
    }
    if (section === 'trust' && verbose) {
      for (const d of s.trust.manual)
        out.line(
          `  - ${d.name || d.deviceId.slice(0, 7)} (${d.deviceId.slice(0, 7)}...): added by hand (manual)`,
        );
      for (const d of s.trust.untrusted)
        out.line(
          `  - ${d.name || d.deviceId.slice(0, 7)} (${d.deviceId.slice(0, 7)}...): vouched for by no node`,
        );
    }
    if (section === 'conflicts' && verbose) for (const f of s.conflicts) out.line(`  - ${f}`);
  }
  out.section('Summary');
  if (s.healthy) out.ok('All systems operational');
  else {
    out.line(`${out.colour('red', 'ERROR:')} ${s.issues} issue(s) detected`);
    if (!verbose) out.info('Run with --verbose for more details');
  }
  return s.healthy ? ExitCode.ok : ExitCode.unhealthy;
}

/** `environment`, `./.env (path)`, `../.env (path)`, another file's path, or `default`. */
export function sourceLabel(source: string, cwd = process.cwd()): string {
  if (source === 'env') return 'environment';
  if (source === 'default') return 'default';
  if (source === path.resolve(cwd, '.env')) return `./.env (${source})`;
  if (source === path.resolve(cwd, '..', '.env')) return `../.env (${source})`;
  return source;
}

export async function status(
  a: { json: boolean; verbose: boolean },
  out: Output,
  caller?: Caller,
  keeper?: StatusKeeper,
): Promise<number> {
  const ctx = await context(out, caller);
  const options = { verbose: a.verbose };
  const s = await (keeper ? keeper.get(ctx, options) : meshStatus(ctx, options));
  const settings = effectiveSettings(ctx);
  const code = printStatus(s, a.verbose, out, settings, caller?.cwd);
  out.result({ ok: s.healthy, ...s, settings });
  return code;
}
