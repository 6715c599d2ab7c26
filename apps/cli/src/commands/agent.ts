import { runAgent } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

/**
 * `mesh agent`: runs in the foreground until SIGINT or SIGTERM (the service manager starts it).
 * One line per event, so its log reads as a history.
 */
export async function agent(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (text: string) => out.line(`${new Date().toISOString()} ${text}`);
  log(`mesh agent started on ${ctx.hostname} (${ctx.role})`);
  try {
    await runAgent(ctx, {
      signal: stop.signal,
      onListening: (address) => log(`vouching for this node on ${address}`),
      onPair: (r) => {
        for (const a of r.added)
          log(`paired ${a.name} (${a.deviceId.slice(0, 7)}...) at ${a.address}`);
        for (const a of r.updated) log(`updated ${a.name} to ${a.address}`);
        for (const x of r.refused) log(`refused ${x.deviceId.slice(0, 7)}...: ${x.reason}`);
      },
      onForget: (d) =>
        log(`forgot ${d.name} (${d.deviceId.slice(0, 7)}...): its node left the mesh`),
      onError: (error) => log(`warning: ${error instanceof Error ? error.message : String(error)}`),
    });
    log('mesh agent stopped');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
