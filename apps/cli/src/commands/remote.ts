import {
  type MeshContext,
  type ProvisionResult,
  prepareHost,
  provisionAll,
  provisionHost,
  remoteStatus,
} from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';
import { standaloneBinary } from '../self-command.js';

interface Common {
  json: boolean;
  ctx?: MeshContext;
}

/** What to copy to a host without mesh: the file given, else this binary when it is a single file. */
function meshBinary(given: string | undefined): { meshBinary?: string } {
  const file = given ?? (standaloneBinary() ? process.execPath : undefined);
  return file ? { meshBinary: file } : {};
}

function show(r: ProvisionResult, out: Output): void {
  if (r.outcome === 'provisioned') {
    out.ok(`${r.name}: provisioned${r.changes.length ? ` (${r.changes.length} change(s))` : ''}`);
  } else if (r.outcome === 'already') out.ok(`${r.name}: in the mesh already`);
  else if (r.outcome === 'windows') out.warn(`${r.name}: ${r.message}`);
  else out.error(`${r.name}: ${r.message}`);
}

export async function remoteProvision(
  o: Common & { host: string; force: boolean; binary?: string | undefined },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await provisionHost(ctx, o.host, { force: o.force, ...meshBinary(o.binary) });
  show(r, out);
  out.result({ ok: true, changed: r.outcome === 'provisioned', ...r });
  return 0;
}

export async function remoteProvisionAll(
  o: Common & { force: boolean; binary?: string | undefined },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await provisionAll(ctx, { force: o.force, ...meshBinary(o.binary) });
  out.section('Provisioning summary');
  for (const x of r.results) show(x, out);
  out.result({
    ok: r.exitCode === 0,
    changed: r.results.some((x) => x.outcome === 'provisioned'),
    ...r,
  });
  return r.exitCode;
}

export async function remoteStatusCommand(
  o: Common & { host: string },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await remoteStatus(ctx, o.host);
  out.section(`${r.name} (${r.os})`);
  if (r.status === null)
    out.warn(`mesh is not installed on ${r.name}: mesh remote provision ${r.name}`);
  else if (r.status.healthy) out.ok(`mesh status on ${r.name}: healthy`);
  else out.warn(`mesh status on ${r.name}: unhealthy (ssh ${r.name} mesh status shows why)`);
  out.result({ ok: true, ...r });
  return r.status?.healthy ? 0 : 3;
}

export async function remotePrepare(o: Common & { host: string }, out: Output): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  out.info(`Logging in to ${o.host}: type the sudo password there once`);
  const exitCode = await prepareHost(ctx, o.host);
  if (exitCode === 0) out.ok(`${o.host} can now be provisioned: mesh remote provision ${o.host}`);
  else
    out.error(
      `preparing ${o.host} failed (exit ${exitCode})`,
      'see the lines above, or add the sudoers line by hand with visudo',
    );
  return exitCode === 0 ? 0 : 1;
}
