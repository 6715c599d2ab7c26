import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeshContext, type MeshContext } from '../context.js';
import {
  AgentStateWriter,
  agentStateFile,
  agentStateFresh,
  readAgentState,
} from './agent-state.js';

let dir: string;
let ctx: MeshContext;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-agent-state-'));
  ctx = await createMeshContext({ env: { HOME: dir, XDG_STATE_HOME: path.join(dir, 'state') } });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('agent state', () => {
  it('is written 0644 and read back; the last errors are kept', async () => {
    const w = new AgentStateWriter(ctx);
    w.update((s) => {
      s.vouchingOn = '100.64.0.2:874';
    });
    for (let i = 0; i < 12; i++) w.error(`problem ${i}`);
    await w.flush();
    expect((await stat(agentStateFile(ctx))).mode & 0o777).toBe(0o644);
    const s = await readAgentState(ctx);
    expect(s).toMatchObject({ vouchingOn: '100.64.0.2:874', pid: process.pid });
    expect(s?.errors.map((e) => e.message)).toEqual(
      Array.from({ length: 10 }, (_, i) => `problem ${i + 2}`),
    );
    expect(s && agentStateFresh(s)).toBe(true);
    expect(s && agentStateFresh(s, Date.now() + 60_000)).toBe(false);
  });

  it('reads nothing from a missing or damaged file', async () => {
    expect(await readAgentState(ctx)).toBeUndefined();
    await new AgentStateWriter(ctx).flush();
    await writeFile(agentStateFile(ctx), '{"version":2}');
    expect(await readAgentState(ctx)).toBeUndefined();
  });
});
