import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshContext } from '@mesh/core';
import type { ActionCore } from './core.js';
import { ActionProtocol, inputEnvName, parseFileCommands, stateEnv } from './protocol.js';

/**
 * A job's worth of runner plumbing for unit tests: a temp dir with the outputs and state
 * files, the `INPUT_*` environment, and stdout captured as text. Not bundled.
 */
export function jobHarness(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-action-job-'));
  const files = { output: join(dir, 'output'), state: join(dir, 'state') };
  writeFileSync(files.output, '');
  writeFileSync(files.state, '');
  const env: NodeJS.ProcessEnv = {
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: dir,
    ...extraEnv,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;
  const out: string[] = [];
  const stream = { stdout: { write: (s: string) => out.push(s) } };
  return {
    dir,
    files,
    out,
    stdout: () => out.join(''),
    mainProto: () => new ActionProtocol(env, stream),
    /** post runs with the state main saved, as `STATE_<name>`, and nothing else from main. */
    postProto: () =>
      new ActionProtocol(
        { ...stateEnv(parseFileCommands(readFileSync(files.state, 'utf8'))) },
        stream,
      ),
    outputs: () => parseFileCommands(readFileSync(files.output, 'utf8')),
    rawFiles: () => readFileSync(files.output, 'utf8') + readFileSync(files.state, 'utf8'),
  };
}

/** Calls made to a {@link fakeCore}, in order (the options, or the context for one-arg calls). */
export type CoreCall = { name: keyof ActionCore; options: Record<string, unknown> };

/** An ActionCore that records calls; override any method to make it fail or hang. */
export function fakeCore(overrides: Partial<ActionCore> = {}) {
  const calls: CoreCall[] = [];
  const record = (name: keyof ActionCore, options: unknown) =>
    calls.push({ name, options: (options ?? {}) as Record<string, unknown> });
  const base: ActionCore = {
    async createMeshContext(o) {
      return { env: o.env ?? {}, hostname: o.hostname ?? '', signal: o.signal } as MeshContext;
    },
    async joinMesh(ctx) {
      return {
        tailnetIp: '100.64.0.9',
        tailnetIpv6: 'fd7a:115c:a1e0::9',
        hostname: ctx.hostname,
        nodeId: '9',
      };
    },
    async waitForPeers() {},
    async syncFolder() {
      return { deviceId: 'AAAAAAA-BBBBBBB' };
    },
    async leaveMesh() {},
    async stopMeshDaemons() {
      return { stopped: ['tailscaled'] };
    },
  };
  const api = {} as Record<keyof ActionCore, unknown>;
  for (const name of Object.keys(base) as (keyof ActionCore)[]) {
    const impl = (overrides[name] ?? base[name]) as (...args: unknown[]) => Promise<unknown>;
    api[name] = (...args: unknown[]) => {
      record(name, args.length > 1 ? args[1] : args[0]);
      return impl(...args);
    };
  }
  return { api: api as ActionCore, calls, names: () => calls.map((c) => c.name) };
}
