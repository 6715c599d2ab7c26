import { rm } from 'node:fs/promises';
import { pathExists } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { serviceManager } from '../internal/services.js';
import { heldReporter, type Reporter } from '../reporter.js';
import { type LocalSyncthing, SYNCTHING_SERVICE, startSyncthing } from './syncthing.js';

/** Syncthing started ahead of setup's Syncthing step. */
export interface EarlySyncthing {
  /** Waits for it, prints what it did on `reporter`, and hands it over. */
  take(reporter: Reporter): Promise<{ st: LocalSyncthing; changes: string[] }>;
  /** Setup failed before taking it: stops it and removes its service and its home. */
  undo(): Promise<void>;
}

/**
 * Starts a machine's first Syncthing while tailscaled starts and joins, so that its own start
 * (about a second with Syncthing 1.30, most of it a hashing benchmark) is not waited for after
 * the join. Only where nothing of it exists yet (no home, no service), so an undo removes only
 * what this started; not for a Syncthing run as another user, nor on Windows. Undefined when
 * it does not apply.
 */
export async function startSyncthingEarly(ctx: MeshContext): Promise<EarlySyncthing | undefined> {
  if (ctx.syncthingUser || ctx.platform.osType === 'windows') return undefined;
  if (await pathExists(ctx.paths.syncthingHome)) return undefined;
  const sm = await serviceManager(ctx);
  if ((await sm.status(SYNCTHING_SERVICE)).installed) return undefined;
  const held = heldReporter();
  const started = startSyncthing({ ...ctx, reporter: held });
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
      await sm.uninstall(SYNCTHING_SERVICE);
      await rm(ctx.paths.syncthingHome, { recursive: true, force: true });
    },
  };
}
