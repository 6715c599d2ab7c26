import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from './errors.js';
import { alive } from './internal/pid.js';

/**
 * Takes the lock file `lockPath` (created exclusively, holding this process's pid); waits up to
 * `waitMs` while a live process holds it (calling `onWait` once with its pid), and takes over
 * one whose holder died or that is older than `staleMs`. Returns the release.
 */
export async function acquireLock(
  lockPath: string,
  o: { waitMs?: number; staleMs?: number; onWait?: (holder: number | undefined) => void } = {},
): Promise<() => Promise<void>> {
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  let told = false;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [holder, age] = await Promise.all([
      readFile(lockPath, 'utf8').then(
        (t) => Number(t.trim()),
        () => undefined,
      ),
      stat(lockPath).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      ),
    ]);
    if ((holder !== undefined && !alive(holder)) || age > (o.staleMs ?? 60_000)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ServiceError(`another process holds ${lockPath} (pid ${holder ?? '?'})`, {
        hint: 'wait for it to finish, or remove the file if that process is gone',
      });
    }
    if (!told) o.onWait?.(holder);
    told = true;
    await sleep(100);
  }
}
