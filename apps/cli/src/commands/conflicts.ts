import { stat } from 'node:fs/promises';
import { listConflicts, type MeshContext, MeshError } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface ConflictsOptions {
  json: boolean;
  /** This machine's context. @default the one `createMeshContext` resolves */
  ctx?: MeshContext;
}

export async function conflicts(options: ConflictsOptions, out: Output): Promise<number> {
  const ctx = options.ctx ?? (await context(out));
  await assertSharedFolder(ctx);
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

/**
 * Setup creates the shared folder, so its absence means this machine is not set up (or
 * MESH_SHARED_FOLDER_LINUX names another folder): say that, not the ENOENT of a directory read.
 */
async function assertSharedFolder(ctx: MeshContext): Promise<void> {
  const folder = ctx.paths.sharedFolder;
  try {
    await stat(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    const setup =
      ctx.role === 'server'
        ? 'mesh server setup'
        : 'mesh client setup --server URL --key-file FILE';
    throw new MeshError(`There is no shared folder yet at ${folder}`, {
      kind: 'badInput',
      cause: error,
      hint: `set this machine up first with \`${setup}\`, or point MESH_SHARED_FOLDER_LINUX at the shared folder`,
    });
  }
}
