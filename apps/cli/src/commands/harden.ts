import { hardenClient, hardenServer, type MeshContext } from '@mesh/core';
import { usageError } from '../boundary.js';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface HardenArgs {
  json: boolean;
  role: 'server' | 'client';
  dryRun: boolean;
  tags?: string | undefined;
  /** This machine's context. @default the one `createMeshContext` resolves */
  ctx?: MeshContext;
}

/**
 * `mesh harden server|client [--dry-run] [--tags]`: what changed (or would), what was left as
 * it is and why, and the backups made. Exit 0; a failure throws to main's error boundary.
 */
export async function harden(a: HardenArgs, out: Output): Promise<number> {
  if (a.role === 'client' && a.tags) {
    throw usageError(
      '--tags is for mesh harden server (the policy lives there)',
      'see mesh harden --help',
    );
  }
  const ctx = a.ctx ?? (await context(out));
  const options = { dryRun: a.dryRun, ...(a.tags ? { tags: a.tags } : {}) };
  const r =
    a.role === 'server' ? await hardenServer(ctx, options) : await hardenClient(ctx, options);
  const title = `Harden ${r.side}`;
  out.section(r.dryRun ? `${title} (dry run: nothing changes)` : title);
  if (r.changes.length === 0) out.ok('already hardened: nothing to change');
  for (const c of r.changes) {
    if (r.dryRun) out.info(c);
    else out.ok(c);
  }
  for (const n of r.notes) out.info(n);
  for (const b of r.backups) out.info(`previous content kept in ${b}`);
  if (r.policy)
    out.fields([
      ['ACL policy', r.policy.path],
      ['Tags', r.policy.tags.join(', ') || 'none'],
    ]);
  if (!r.dryRun) out.info('mesh status shows the Security section');
  out.result({ ok: true, ...r });
  return 0;
}
