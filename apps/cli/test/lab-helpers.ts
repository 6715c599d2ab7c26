import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorDocumentSchema, type JsonCommand, jsonSchemas } from '@mesh/core';
import { type Lab, type LabHost, socketDispatcher } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { SyncthingClient } from '@mesh/syncthing-client';
import { until as pollUntil } from '@mesh/test-utils';

/** The built CLI bundle: lab tests exercise exactly what ships. */
export const CLI = path.resolve(import.meta.dirname, '../dist/mesh.cjs');

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

/** Runs `node dist/mesh.cjs ARGS` inside a lab host; parses stdout as JSON when `--json`. */
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
  return { ...r, json: jsonOf(args, r.stdout), ms };
}

/** stdout parsed when the command was given `--json` and printed JSON; else undefined. */
export function jsonOf(args: readonly string[], stdout: string): unknown {
  if (!args.includes('--json')) return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/**
 * The shared `until` with the lab's patience: 90 s unless told, a try every 250 ms (a probe
 * here is often a whole `mesh` run).
 */
export function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  return pollUntil(what, fn, timeoutMs, { intervalMs: 250 });
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

/**
 * Checks a `--json` document against its schema in @mesh/core (`error`: a failure's
 * `{ ok: false, error }`); throws naming the command and each key that does not fit.
 */
export function checkJson(command: JsonCommand | 'error', json: unknown): void {
  const schema = command === 'error' ? errorDocumentSchema : jsonSchemas[command];
  const r = schema.safeParse(json);
  if (r.success) return;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`);
  throw new Error(
    `the ${command} document does not match its schema:\n  ${issues.join('\n  ')}\n${JSON.stringify(json)}`,
  );
}

const JSON_COMMANDS: Record<string, JsonCommand> = {
  'server setup': 'serverSetup',
  'server status': 'serverStatus',
  'server keygen': 'serverKeygen',
  'server nodes list': 'nodesList',
  'server nodes': 'nodesAction',
  'client setup': 'clientSetup',
  'client join': 'clientJoin',
  'client leave': 'clientLeave',
  'agent status': 'agentStatus',
  'agent logs': 'agentLogs',
  'conflicts resolve': 'conflictsResolve',
  status: 'status',
  doctor: 'doctor',
  ports: 'ports',
  conflicts: 'conflicts',
  harden: 'harden',
  init: 'init',
  peer: 'peer',
};

/** The schema of what `mesh ARGS --json` prints, for a list of commands checked alike. */
export function jsonCommandOf(args: readonly string[]): JsonCommand {
  if (args.includes('--print-command')) return 'clientJoinCommand';
  if (args[0] === 'peer') {
    if (args.includes('--prune')) return 'peerPrune';
    if (args.includes('--device-id')) return 'peerAdd';
    if (args.includes('--watch')) return 'peerWatch';
  }
  const words = args.filter((a) => !a.startsWith('-'));
  for (let n = 3; n > 0; n--) {
    const command = JSON_COMMANDS[words.slice(0, n).join(' ')];
    if (command) return command;
  }
  throw new Error(`no JSON schema known for mesh ${args.join(' ')}`);
}
