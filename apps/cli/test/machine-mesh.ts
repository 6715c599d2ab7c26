import { chmod, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Lab } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { expect } from 'vitest';
import { arrives as arrivesOn, checkJson, jsonOf, until } from './lab-helpers.js';

export const SERVER_URL = 'http://10.99.0.1:8080';
/** The units mesh runs on every member of a systemd machine mesh. */
export const UNITS = ['mesh-tailscaled', 'mesh-syncthing', 'mesh-agent'] as const;
/** Where each machine keeps the join key (0600), copied there from the server. */
const KEY = '/root/join.key';

export interface Check {
  name: string;
  level: string;
  message: string;
  fix?: string;
}

export interface MachineRun extends RunResult {
  /** stdout parsed, when the command was given `--json` and printed JSON. */
  json: unknown;
}

export const failing = (s: { checks: Check[] }) => s.checks.filter((c) => c.level === 'fail');

/**
 * Commands on the systemd machines of `lab`, as a user types them there: `mesh` on the PATH
 * (the single-file binary or Node and the bundle); with `packageSource`, setup installs what is
 * missing from the lab's package source, as from a mirror named in `.env`.
 */
export function machineMesh(lab: Lab, o: { packageSource?: boolean } = {}) {
  const mirrors = (): Record<string, string> => {
    if (!o.packageSource) return {};
    const s = lab.packageSource;
    return {
      MESH_HEADSCALE_RELEASES_URL: s.headscaleUrl,
      MESH_TAILSCALE_PACKAGES_URL: s.tailscaleUrl,
      MESH_SYNCTHING_RELEASES_URL: s.syncthingUrl,
    };
  };

  const on = (host: string, file: string, args: readonly string[]): Promise<RunResult> =>
    lab.host(host).runner.run(file, args, {
      timeout: 180_000,
      env: { NO_COLOR: '1', ...mirrors() },
    });

  const mesh = async (host: string, args: readonly string[]): Promise<MachineRun> => {
    const r = await on(host, 'mesh', args);
    return { ...r, json: jsonOf(args, r.stdout) };
  };

  const mainPid = async (host: string, unit: string) =>
    (await on(host, 'systemctl', ['show', '-p', 'MainPID', '--value', unit])).stdout.trim();

  const shared = (host: string, file = '') => path.join(lab.host(host).root, 'opt/shared', file);

  const join = (host: string) =>
    mesh(host, ['client', 'setup', '--server', SERVER_URL, '--key-file', KEY]);

  const status = async (host: string): Promise<{ exitCode: number; checks: Check[] }> => {
    const r = await mesh(host, ['status', '--json']);
    const doc = r.json as { checks: Check[] } | undefined;
    if (!doc) throw new Error(`${host}: mesh status --json printed no JSON: ${r.stderr}`);
    checkJson('status', doc);
    return { exitCode: r.exitCode, checks: doc.checks };
  };

  return {
    on,
    mesh,
    shared,
    status,
    /** `mesh client setup` with the key the server saved (see {@link setUp}). */
    join,
    arrives: (host: string, file: string, text: string) => arrivesOn(lab.host(host), file, text),
    /** `host`'s status once it fails (exit 3): the agent's report is at most 2 s old. */
    statusFailing: (host: string) =>
      until(`${host} status failing`, async () => {
        const r = await status(host);
        return r.exitCode === 3 ? r : undefined;
      }),
    /** Waits until `host`'s status is healthy (exit 0). */
    healthy: (host: string, timeoutMs = 120_000) =>
      until(
        `${host} healthy`,
        async () => {
          const s = await status(host);
          if (s.exitCode !== 0) throw new Error(JSON.stringify(failing(s)));
          return true;
        },
        timeoutMs,
      ),
    /** `systemctl kill --kill-who=main -s SIGNAL unit` on `host`. */
    signal: async (host: string, unit: string, signal: string) => {
      const r = await on(host, 'systemctl', ['kill', '--kill-who=main', '-s', signal, unit]);
      expect(r.exitCode, r.stderr).toBe(0);
    },
    /** The main pid of `unit` as the machine sees it ('0' when not running). */
    mainPid,
    /** Waits until systemd runs `unit` again under a main pid other than `before`. */
    restarted: (host: string, unit: string, before: string, timeoutMs = 90_000) =>
      until(
        `${unit} started again on ${host}`,
        async () => {
          const pid = await mainPid(host, unit);
          const active = (await on(host, 'systemctl', ['is-active', unit])).stdout.trim();
          return active === 'active' && pid !== before && pid !== '0' ? true : undefined;
        },
        timeoutMs,
      ),
    /**
     * `mesh server setup`, a key saved to `/root/join.key` and copied (0600) to every other
     * host, `mesh client setup` on `clients`, and the server's first file on each of them.
     */
    setUp: async (clients: readonly string[], others: readonly string[] = []) => {
      const server = await mesh('server', ['server', 'setup']);
      expect(server.exitCode, server.stdout + server.stderr).toBe(0);
      const key = await mesh('server', ['server', 'keygen', '--json', '--save', KEY]);
      expect(key.exitCode, key.stderr).toBe(0);
      for (const h of [...clients, ...others]) {
        const dest = path.join(lab.host(h).root, KEY);
        await copyFile(path.join(lab.host('server').root, KEY), dest);
        await chmod(dest, 0o600);
      }
      for (const c of clients) {
        const r = await join(c);
        expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      }
      await writeFile(shared('server', 'welcome.txt'), 'hello\n');
      for (const c of clients) await arrivesOn(lab.host(c), 'welcome.txt', 'hello\n');
    },
  };
}

export type MachineMesh = ReturnType<typeof machineMesh>;
