import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lab, type LabHost, socketDispatcher } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { SyncthingClient } from '@mesh/syncthing-client';

/** The built CLI bundle: lab tests exercise exactly what ships. */
export const CLI = path.resolve(import.meta.dirname, '../dist/mesh.js');

/**
 * What `mesh` gets on top of the lab host's own environment (`host.env`: MESH_ROOT,
 * MESH_HOSTNAME, role lists, MESH_ROLE, binaries): plain output to parse in assertions, and
 * agents (which setup starts with these settings) that forget a removed node after 5 s and
 * restart tailscaled after 5 s of no peer answering.
 */
const TEST_ENV = { NO_COLOR: '1', MESH_AGENT_FORGET_AFTER: '5', MESH_AGENT_RECHECK_AFTER: '5' };

export interface MeshRun extends RunResult {
  json: unknown;
  ms: number;
}

/** Runs `node dist/mesh.js ARGS` inside a lab host; parses stdout as JSON when `--json`. */
export async function mesh(
  lab: Lab,
  hostName: string,
  args: readonly string[],
  o: { timeout?: number; input?: string; env?: Record<string, string> } = {},
): Promise<MeshRun> {
  const host = lab.host(hostName);
  const t0 = performance.now();
  const r = await host.runner.run(process.execPath, [CLI, ...args], {
    timeout: o.timeout ?? 180_000,
    env: { ...TEST_ENV, ...o.env },
    ...(o.input === undefined ? {} : { input: o.input }),
  });
  const ms = Math.round(performance.now() - t0);
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = undefined;
    }
  }
  return { ...r, json, ms };
}

/** Polls `fn` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** The shared folder of a lab host (`/opt/shared` under its root). */
export function sharedFolder(host: LabHost): string {
  return path.join(host.root, 'opt', 'shared');
}

/** Waits until `file` in a host's shared folder holds exactly `text`. */
export async function arrives(
  host: LabHost,
  file: string,
  text: string,
  timeoutMs = 120_000,
): Promise<void> {
  await until(
    `${file} on ${host.name}`,
    async () => {
      const got = await readFile(path.join(sharedFolder(host), file), 'utf8').catch(() => '');
      return got === text ? true : undefined;
    },
    timeoutMs,
  );
}

/** Syncthing home of a lab host as `mesh` resolves it (XDG state first, else ~/.config/syncthing). */
export function syncthingHome(host: LabHost): string {
  return path.join(host.env['HOME'] ?? path.join(host.root, 'home'), '.config', 'syncthing');
}

/** GUI API key of a host's Syncthing (from its config.xml). */
export async function syncthingApiKey(host: LabHost): Promise<string> {
  const xml = await readFile(path.join(syncthingHome(host), 'config.xml'), 'utf8');
  const key = /<apikey>([^<]+)<\/apikey>/.exec(xml)?.[1];
  if (!key) throw new Error(`no API key in ${host.name}'s config.xml`);
  return key;
}

/** A REST client for a host's Syncthing, through a socket forwarded out of its namespace. */
export async function syncthingOf(
  lab: Lab,
  hostName: string,
  guiPort: number,
  apiKey?: string,
): Promise<SyncthingClient> {
  const host = lab.host(hostName);
  const socket = await host.forward(guiPort);
  return new SyncthingClient({
    baseUrl: 'http://localhost',
    apiKey: apiKey ?? (await syncthingApiKey(host)),
    dispatcher: socketDispatcher(socket),
    timeout: 10_000,
  });
}
