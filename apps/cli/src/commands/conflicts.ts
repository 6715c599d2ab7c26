import { listConflicts } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export async function conflicts(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const r = await listConflicts(ctx);
  out.section('Conflicts');
  if (r.files.length === 0) out.ok(`No conflict files in ${r.folder}`);
  else {
    out.warn(`${r.files.length} conflict file(s) in ${r.folder}`);
    for (const f of r.files) out.line(`  - ${f.path} (original: ${f.original})`);
    out.info('Review both versions, keep the correct one, delete the conflict file');
  }
  out.result({ ok: true, ...r });
  return 0;
}
