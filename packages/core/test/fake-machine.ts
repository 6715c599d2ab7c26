import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Runner } from '@mesh/platform';
import { expect } from 'vitest';
import { createMeshContext, type MeshContext } from '../src/context.js';
import { isMeshError, type MeshError, type MeshErrorKind } from '../src/errors.js';

/** A machine under a temporary MESH_ROOT whose runner records every program and runs none. */
export interface FakeMachine {
  root: string;
  /** HOME, under `root`. */
  home: string;
  /** Every program a step tried to run, with its arguments. */
  calls: string[][];
  /** The environment the context is made from (HOME and XDG dirs under `root`). */
  env: Record<string, string>;
  context(env?: Record<string, string>): Promise<MeshContext>;
  /** Every file and folder under `root`, relative, sorted: to show that nothing changed. */
  tree(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function fakeMachine(role = 'unknown', hostname = 'pc'): Promise<FakeMachine> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'mesh-core-'));
  const home = path.join(root, 'home');
  const env = {
    MESH_ROOT: root,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    MESH_HOSTNAME: hostname,
    MESH_ROLE: role,
    PATH: process.env['PATH'] ?? '',
  };
  // An empty settings file of its own; the cwd under home keeps the checkout's .env out too.
  await mkdir(path.join(home, '.config', 'mesh'), { recursive: true });
  await writeFile(path.join(home, '.config', 'mesh', '.env'), '');
  const calls: string[][] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args) {
      calls.push([file, ...args]);
      return {
        command: [file, ...args].join(' '),
        exitCode: 127,
        stdout: '',
        stderr: 'unit tests run no programs',
        timedOut: false,
      };
    },
  };
  return {
    root,
    home,
    calls,
    env,
    context: (extra = {}) =>
      createMeshContext({ env: { ...env, ...extra }, cwd: path.join(home, 'work'), runner }),
    tree: () => listTree(root),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    out.push(rel);
    if (e.isDirectory()) out.push(...(await listTree(path.join(dir, e.name), rel)));
  }
  return out.sort();
}

/** An HTTP server on 127.0.0.1 answering by path (404 elsewhere), with the requests it saw. */
export async function httpServer(
  routes: Record<string, { status: number; body: string }>,
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (!route) res.writeHead(404).end('404 page not found');
    else res.writeHead(route.status, { 'content-type': 'application/json' }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The MeshError `p` fails with, checked against the error contract: one line, a hint, and the
 * `kind` when one is given.
 */
export async function meshFailure(p: Promise<unknown>, kind?: MeshErrorKind): Promise<MeshError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isMeshError(e)) throw new Error(`expected a MeshError, got ${String(e)}`);
  if (kind !== undefined) expect(e.kind).toBe(kind);
  expect(e.message).not.toContain('\n');
  expect(e.hint.trim()).not.toBe('');
  return e;
}
