import { readdir, readFile } from 'node:fs/promises';

/**
 * Watches every process's command line (`/proc/<pid>/cmdline`) until stopped, recording the
 * pids whose argv contains `needle`. Used to prove an auth key never reaches any argv.
 */
export function scanCmdlines(
  needle: string,
  intervalMs = 25,
): () => Promise<{ hits: string[]; scans: number }> {
  const hits = new Set<string>();
  let scans = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
      await Promise.all(
        pids.map(async (pid) => {
          const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (cmd.includes(needle))
            hits.add(`${pid}: ${cmd.split('\0').join(' ').replace(needle, '<KEY>')}`);
        }),
      );
      scans++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { hits: [...hits], scans };
  };
}
