import { wslSetupSsh as coreWslSetupSsh, type MeshContext } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export async function wslSetupSsh(
  o: { json: boolean; ctx?: MeshContext; port?: number | undefined; copyKeys: boolean },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  out.section('WSL2 SSH');
  const r = await coreWslSetupSsh(ctx, {
    ...(o.port === undefined ? {} : { port: o.port }),
    copyKeys: o.copyKeys,
  });
  out.changeCount(r);
  for (const m of r.manual) out.warn(`To do by hand: ${m}`);
  out.info(
    `From another machine: mesh host add ${ctx.hostname} --port ${r.port}, then ssh ${ctx.hostname}`,
  );
  out.result({ ok: true, ...r });
  return 0;
}
