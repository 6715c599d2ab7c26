import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { acquireLock } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';

/**
 * Runs `fn` while holding this machine's setup lock: two setups, joins or repairs at once would
 * start daemons twice and generate Syncthing into one home together. A second one waits (saying
 * so) up to `waitMs`, then refuses in one line. The lock lives in the temporary directory, named
 * after the state directory, so that taking it writes nothing into a machine a command then
 * refuses to touch.
 */
export async function withMachineLock<T>(
  ctx: MeshContext,
  fn: () => Promise<T>,
  waitMs = 180_000,
): Promise<T> {
  const id = createHash('sha256').update(ctx.paths.stateDir).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `mesh-setup-${id}.lock`);
  let release: () => Promise<void>;
  try {
    release = await acquireLock(file, {
      waitMs,
      staleMs: 30 * 60_000,
      onWait: (holder) =>
        ctx.reporter.info(
          `Waiting for another mesh command on this machine (pid ${holder ?? '?'})`,
        ),
    });
  } catch (error) {
    throw new MeshError('another mesh setup is still running on this machine', {
      kind: 'failure',
      cause: error,
      hint: `run this again when it has finished (its lock: ${file})`,
    });
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}
