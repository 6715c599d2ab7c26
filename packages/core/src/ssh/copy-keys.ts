import { parseAuthorizedKeys } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { findHost } from '../hosts/registry.js';
import { sshRun, sshTarget } from '../remote/ssh.js';
import { waitFor } from '../reporter.js';
import { describeKey, keySummary, type SshKeySummary, setLocalKeysBlock } from './local-keys.js';

export interface CopySshKeysOptions {
  /** A registered host (mesh host add). */
  from: string;
  /**
   * Make the keys copied from this host exactly the ones it has now, instead of only adding.
   * @default false (merge)
   */
  replace?: boolean;
}

export interface CopySshKeysResult {
  changed: boolean;
  changes: string[];
  host: string;
  mode: 'merge' | 'replace';
  /** The authorized_keys file edited. */
  file: string;
  added: SshKeySummary[];
  /** Keys copied from the host before that it no longer has (`replace` only). */
  removed: SshKeySummary[];
  /** Keys of the host this file had already. */
  present: number;
  /** Lines of the host's file that are not keys Mesh could read (skipped). */
  invalid: number;
  /** The file as it was before a `replace` changed it. */
  backupPath: string | null;
}

/** The managed block in authorized_keys holding the keys copied from `host`. */
export function hostKeysBlock(host: string): string {
  return `keys from ${host}`;
}

/** The host's `~/.ssh/authorized_keys`, read over SSH. */
async function remoteKeys(ctx: MeshContext, name: string): Promise<string> {
  const target = sshTarget(ctx, await findHost(ctx, name));
  const r = await waitFor(ctx.reporter, `Reading ~/.ssh/authorized_keys on ${name}`, () =>
    sshRun(ctx, target, 'cat ~/.ssh/authorized_keys', { timeout: 30_000 }),
  );
  if (r.exitCode === 0) return r.stdout;
  if (/No such file/i.test(r.stderr)) {
    throw new MeshError(`${name} has no ~/.ssh/authorized_keys (user ${target.user})`, {
      kind: 'badInput',
      hint: `nothing to copy: add a key there first (mesh ssh add-key KEY on ${name})`,
    });
  }
  const said = r.stderr.trim().split('\n').pop() || `exit ${r.exitCode}`;
  throw new MeshError(`Reading ~/.ssh/authorized_keys on ${name} failed: ${said}`, {
    hint: `run ssh ${name} cat ~/.ssh/authorized_keys by hand to see why`,
  });
}

/**
 * Copies the public keys of a registered host's `~/.ssh/authorized_keys` (read over SSH) into
 * this user's, inside the block `# mesh-managed: keys from HOST`. Merge (the default) only adds
 * keys this file lacks. Replace makes that block exactly the host's keys now, so a key revoked
 * there goes here too; a timestamped backup is kept first. Neither touches a line outside the
 * block: a key the user added by hand (or had before) is never removed or moved.
 */
export async function copySshKeys(
  ctx: MeshContext,
  o: CopySshKeysOptions,
): Promise<CopySshKeysResult> {
  const mode = o.replace ? 'replace' : 'merge';
  const r = ctx.reporter;
  const { keys, invalid } = parseAuthorizedKeys(await remoteKeys(ctx, o.from));
  if (invalid > 0) r.warn(`${o.from}: skipped ${invalid} line(s) that are not public keys`);
  if (keys.length === 0 && mode === 'replace') {
    throw new MeshError(
      `${o.from} lists no public keys: --replace would remove every key copied from it`,
      {
        kind: 'badInput',
        hint: 'nothing was changed; to drop them anyway, delete the "keys from" block by hand',
      },
    );
  }
  const edit = await setLocalKeysBlock(ctx, hostKeysBlock(o.from), keys, mode);
  const { file } = edit;
  const changes = [
    ...edit.added.map((k) => `added ${describeKey(k)} from ${o.from}`),
    ...edit.removed.map((k) => `removed ${describeKey(k)}: ${o.from} no longer has it`),
  ];
  // A replace can change a kept key's line (options or comment the host changed) and nothing else.
  if (edit.changed && changes.length === 0) changes.push(`updated the keys from ${o.from}`);
  if (keys.length === 0) r.warn(`${o.from} lists no public keys: nothing to copy`);
  else if (changes.length === 0) {
    r.ok(`${file} has every key of ${o.from} already (${keys.length})`);
  } else {
    for (const c of changes) r.ok(c.charAt(0).toUpperCase() + c.slice(1));
    if (edit.backupPath) r.info(`Previous ${file} kept as ${edit.backupPath}`);
  }
  return {
    changed: edit.changed,
    changes,
    host: o.from,
    mode,
    file,
    added: edit.added.map(keySummary),
    removed: edit.removed.map(keySummary),
    present: edit.present.length,
    invalid,
    backupPath: edit.backupPath ?? null,
  };
}
