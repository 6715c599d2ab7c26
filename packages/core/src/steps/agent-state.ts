import path from 'node:path';
import { readIfExists, writeFileAtomic } from '@mesh/platform';
import * as z from 'zod/mini';
import type { MeshContext } from '../context.js';
import { aborted } from '../internal/aborted.js';

/** How many recent errors the state keeps. */
const KEEP_ERRORS = 10;
/** The agent rewrites its state at least this often; older means it is not running. */
export const AGENT_HEARTBEAT_MS = 15_000;

export const AgentStateSchema = z.object({
  version: z.literal(1),
  pid: z.number(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** The agent's resident memory at its last report, MiB. */
  rssMiB: z._default(z.nullable(z.number()), null),
  /** `ip:port` the agent vouches on, null while it cannot (not in the tailnet, port taken). */
  vouchingOn: z.nullable(z.string()),
  lastPairing: z.nullable(
    z.object({
      at: z.string(),
      peers: z.number(),
      added: z.number(),
      refused: z.number(),
      unvouched: z.array(z.object({ hostname: z.string(), reason: z.string() })),
    }),
  ),
  lastScan: z.nullable(z.object({ at: z.string(), paths: z.number() })),
  forgotten: z.array(z.object({ at: z.string(), name: z.string(), deviceId: z.string() })),
  /** Daemons the agent started again after their keeper died (supervised fallback). */
  revived: z._default(z.array(z.object({ at: z.string(), names: z.array(z.string()) })), []),
  /** This node's standing in the tailnet when last looked at (see `nodeStanding`). */
  tailnet: z._default(
    z.nullable(
      z.object({ at: z.string(), ok: z.boolean(), state: z.string(), message: z.string() }),
    ),
    null,
  ),
  /** Whether any online peer answered a ping over the tailnet; null when none was online. */
  peersAnswer: z._default(z.nullable(z.boolean()), null),
  /** Whether the control server answered, when last asked. */
  controlServer: z._default(
    z.nullable(z.object({ at: z.string(), url: z.string(), reachable: z.boolean() })),
    null,
  ),
  errors: z.array(z.object({ at: z.string(), message: z.string() })),
});
/** What the agent saw and when: no secret, readable by the user. */
export type AgentState = z.infer<typeof AgentStateSchema>;

export function agentStateFile(ctx: MeshContext): string {
  return path.join(ctx.paths.stateDir, 'agent-state.json');
}

/** The agent's last published state, or undefined when there is none (or it is unreadable). */
export async function readAgentState(ctx: MeshContext): Promise<AgentState | undefined> {
  const text = await readIfExists(agentStateFile(ctx)).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return AgentStateSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** True when `state` was written within two heartbeats. */
export function agentStateFresh(state: AgentState, now = Date.now()): boolean {
  return now - Date.parse(state.updatedAt) <= 2 * AGENT_HEARTBEAT_MS;
}

/**
 * Keeps the agent's state file: changes go to disk at most once a second (atomically, 0644),
 * and a heartbeat rewrites it every {@link AGENT_HEARTBEAT_MS} so readers can tell it is alive.
 */
export class AgentStateWriter {
  #ctx: MeshContext;
  #state: AgentState;
  #timer: NodeJS.Timeout | undefined;
  #writing = Promise.resolve();

  constructor(ctx: MeshContext) {
    this.#ctx = ctx;
    const now = new Date().toISOString();
    this.#state = {
      version: 1,
      pid: process.pid,
      startedAt: now,
      updatedAt: now,
      rssMiB: null,
      vouchingOn: null,
      lastPairing: null,
      lastScan: null,
      forgotten: [],
      revived: [],
      tailnet: null,
      peersAnswer: null,
      controlServer: null,
      errors: [],
    };
  }

  /** A copy of the state as it is now. */
  get current(): AgentState {
    return structuredClone(this.#state);
  }

  update(change: (s: AgentState) => void): void {
    change(this.#state);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, 1000);
  }

  error(message: string): void {
    this.update((s) => {
      s.errors = [...s.errors, { at: new Date().toISOString(), message }].slice(-KEEP_ERRORS);
    });
  }

  /** Writes now; a failed write is retried by the next one. */
  flush(): Promise<void> {
    this.#state.updatedAt = new Date().toISOString();
    this.#state.rssMiB = Math.round(process.memoryUsage.rss() / 1048576);
    const text = `${JSON.stringify(this.#state, null, 2)}\n`;
    this.#writing = this.#writing
      .then(() => writeFileAtomic(agentStateFile(this.#ctx), text, { mode: 0o644, backup: false }))
      .then(
        () => undefined,
        () => undefined,
      );
    return this.#writing;
  }

  /** Heartbeats until `signal` aborts, then writes a last time. */
  async run(signal: AbortSignal): Promise<void> {
    await this.flush();
    const beat = setInterval(() => void this.flush(), AGENT_HEARTBEAT_MS);
    await aborted(signal);
    clearInterval(beat);
    clearTimeout(this.#timer);
    await this.flush();
  }
}
