import { rm } from 'node:fs/promises';
import { pathExists } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { serviceManager } from '../internal/services.js';
import { heldReporter, type Reporter } from '../reporter.js';
import { AGENT_SERVICE, ensureAgent } from './agent.js';
import { type LocalSyncthing, SYNCTHING_SERVICE, startSyncthing } from './syncthing.js';

/** Work started ahead of the setup step that needs it. */
export interface EarlyStart<T> {
  /** Waits for it, prints what it did on `reporter`, and hands its result over. */
  take(reporter: Reporter): Promise<T>;
  /** Setup failed before taking it: removes what it made. */
  undo(): Promise<void>;
}

function early<T>(
  ctx: MeshContext,
  run: (ctx: MeshContext) => Promise<T>,
  remove: () => Promise<void>,
): EarlyStart<T> {
  const held = heldReporter();
  const started = run({ ...ctx, reporter: held });
  // Taken or undone later; a failure meanwhile is not unhandled.
  started.catch(() => undefined);
  return {
    async take(reporter) {
      try {
        return await started;
      } finally {
        held.replay(reporter);
      }
    },
    async undo() {
      await started.catch(() => undefined);
      await remove();
    },
  };
}

/**
 * Starts a machine's first Syncthing while tailscaled starts and joins, so that its own start
 * (about a second with Syncthing 1.30, most of it a hashing benchmark) is not waited for after
 * the join. Only where nothing of it exists yet (no home, no service), so an undo removes only
 * what this started: the service and the home with the identity it generated. Not for a
 * Syncthing run as another user, nor on Windows. Undefined when it does not apply.
 */
export async function startSyncthingEarly(
  ctx: MeshContext,
): Promise<EarlyStart<{ st: LocalSyncthing; changes: string[] }> | undefined> {
  if (ctx.syncthingUser || ctx.platform.osType === 'windows') return undefined;
  if (await pathExists(ctx.paths.syncthingHome)) return undefined;
  const sm = await serviceManager(ctx);
  if ((await sm.status(SYNCTHING_SERVICE)).installed) return undefined;
  return early(ctx, startSyncthing, async () => {
    await sm.uninstall(SYNCTHING_SERVICE);
    await rm(ctx.paths.syncthingHome, { recursive: true, force: true });
  });
}

/**
 * Starts the mesh agent beside an early Syncthing: its own start (a Node process) is then over
 * by the time the join is, and it answers for this node as soon as the node has its address.
 * Only where no agent service exists yet; an undo removes the service. Undefined otherwise.
 */
export async function startAgentEarly(
  ctx: MeshContext,
  exec: readonly string[],
): Promise<EarlyStart<{ changed: boolean }> | undefined> {
  const sm = await serviceManager(ctx, { privileged: true });
  if ((await sm.status(AGENT_SERVICE)).installed) return undefined;
  return early(
    ctx,
    (c) => ensureAgent(c, exec),
    () => sm.uninstall(AGENT_SERVICE),
  );
}
