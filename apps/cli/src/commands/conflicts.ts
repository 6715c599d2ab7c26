import {
  type ConflictCopy,
  type ConflictKeep,
  type ConflictResolution,
  type DeviceNameLookup,
  listConflictCopies,
  type MeshContext,
  resolveConflicts,
} from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export interface ConflictsOptions {
  json: boolean;
  /** This machine's context. @default the one `createMeshContext` resolves */
  ctx?: MeshContext;
  /** @default the device list of this machine's Syncthing */
  deviceNames?: DeviceNameLookup;
}

export async function conflicts(options: ConflictsOptions, out: Output): Promise<number> {
  const ctx = options.ctx ?? (await context(out));
  const r = await listConflictCopies(
    ctx,
    options.deviceNames ? { deviceNames: options.deviceNames } : {},
  );
  out.section('Conflicts');
  if (r.conflicts.length === 0) out.ok(`No conflict files in ${r.folder}`);
  else {
    out.warn(`${r.conflicts.length} conflict file(s) in ${r.folder}`);
    for (const c of r.conflicts) {
      out.line(`  - ${c.copy}`);
      out.fields([
        [
          '  original',
          `${c.original} (${c.originalBytes == null ? 'missing' : bytes(c.originalBytes)})`,
        ],
        ['  copy', bytes(c.copyBytes)],
        [
          '  made on',
          c.madeOn
            ? `${device(c.madeOn)} (it had the version that lost)`
            : 'unknown (Syncthing did not answer)',
        ],
        ['  won', `${device(c.winner)} (its version has the original's name)`],
        ['  made at', c.madeAt],
      ]);
    }
    if (!r.deviceNamesKnown) out.info('Syncthing did not answer: devices are shown by short ID');
    out.info(
      'Resolve with mesh conflicts resolve PATH --keep mine|theirs|newest|both (or --all --keep newest); the version not kept moves to .mesh-resolved',
    );
  }
  out.result({ ok: true, ...r });
  return 0;
}

export interface ConflictsResolveOptions extends ConflictsOptions {
  path?: string | undefined;
  all?: boolean | undefined;
  keep: ConflictKeep;
  dryRun: boolean;
}

export async function conflictsResolve(
  options: ConflictsResolveOptions,
  out: Output,
): Promise<number> {
  const ctx = options.ctx ?? (await context(out));
  const r = await resolveConflicts(ctx, {
    path: options.path,
    all: options.all,
    keep: options.keep,
    dryRun: options.dryRun,
    ...(options.deviceNames ? { deviceNames: options.deviceNames } : {}),
  });
  out.section(r.dryRun ? 'Resolve conflicts (dry run: nothing changes)' : 'Resolve conflicts');
  if (r.nothingToDo !== null) out.ok(r.nothingToDo);
  for (const c of r.resolutions) {
    const line = describeResolution(c, r.dryRun);
    if (r.dryRun) out.info(line);
    else out.ok(line);
  }
  if (r.stignoreUpdated) {
    out.info(`${r.dryRun ? 'Would add' : 'Added'} .mesh-resolved to ${r.folder}/.stignore`);
  }
  if (r.archive !== null) {
    out.info(
      `${r.dryRun ? 'Would keep' : 'Kept'} what was not chosen in ${r.folder}/${r.archive}: it stays on this machine (not synced, not versioned by Syncthing); delete it when you no longer need it`,
    );
  }
  out.result({ ok: true, ...r });
  return 0;
}

function describeResolution(c: ConflictResolution, dryRun: boolean): string {
  // The short ID names the device whose version won; the copy holds this side's other edit.
  const by = `holding the version that lost to ${device(c.winner)}`;
  const aside = c.setAside
    ? `; ${dryRun ? 'would move' : 'moved'} the ${c.setAside.version === 'copy' ? 'copy' : 'previous original'} to ${c.setAside.to}`
    : '';
  if (c.kept === 'both') {
    return `${c.original}: ${dryRun ? 'would keep both, renaming' : 'kept both, renamed'} the copy ${by} to ${c.renamedTo ?? c.copy}`;
  }
  if (c.kept === 'copy') {
    return `${c.original}: ${dryRun ? 'would take' : 'took'} the content of ${c.copy} (${by})${aside}`;
  }
  return `${c.original}: ${dryRun ? 'would keep' : 'kept'} it as it is${aside} (copy ${by})`;
}

function device(d: ConflictCopy['winner']): string {
  return d.name === null ? d.shortId : `${d.name} (${d.shortId})`;
}

function bytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}
