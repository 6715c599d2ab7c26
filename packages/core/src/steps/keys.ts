import { readSavedServerUrl } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { MESH_USER } from './constants.js';
import {
  localHeadscale,
  requireHeadscaleConfig,
  requireHeadscaleRunning,
  requireServerRole,
} from './server.js';

/** Parses `--tags a,tag:b` into `['tag:a','tag:b']`. */
export function parseTags(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (t.startsWith('tag:') ? t : `tag:${t}`))
    .map((t) => {
      if (!/^tag:[a-z0-9][a-z0-9-]*$/i.test(t)) {
        throw new MeshError(`invalid tag ${JSON.stringify(t)}`, {
          kind: 'badInput',
          hint: 'tags are letters, digits and -',
        });
      }
      return t;
    });
}

export interface CreateJoinKeyOptions {
  /** @default true */
  reusable?: boolean;
  /** @default false */
  ephemeral?: boolean;
  /** Key lifetime, e.g. `30m`, `1h30m`, `7d` (see {@link parseDuration}). @default '24h' */
  expiration?: string;
  /** Comma-separated ACL tags. */
  tags?: string;
}

export interface JoinKey {
  /** The secret. Print it once; never put it in JSON output or logs. */
  key: string;
  id: string;
  reusable: boolean;
  ephemeral: boolean;
  expiration: string | undefined;
  tags: string[];
  serverUrl: string;
}

/** `mesh server keygen`: a pre-auth key for user `mesh` (reusable, 24h by default). */
export async function createJoinKey(
  ctx: MeshContext,
  o: CreateJoinKeyOptions = {},
): Promise<JoinKey> {
  requireServerRole(ctx);
  // Milliseconds: the Headscale client sends whole seconds (`-e 604800s`) or a timestamp, since
  // Headscale reads Go durations, which have no days.
  const expiresIn = parseDuration(o.expiration ?? '24h', { name: '--expiration' });
  const tags = parseTags(o.tags);
  const serverUrl = await readSavedServerUrl({ env: ctx.env });
  if (!serverUrl) {
    throw new MeshError('this server is not set up yet', {
      kind: 'badInput',
      hint: 'run mesh server setup first',
    });
  }
  // First: a Headscale that stopped may have stopped on this very file.
  await requireHeadscaleConfig(ctx);
  await requireHeadscaleRunning(ctx);
  const hs = localHeadscale(ctx);
  try {
    const user = await hs.users.get({ name: MESH_USER });
    const key = await hs.preAuthKeys.create({
      user: { id: user.id },
      reusable: o.reusable ?? true,
      ephemeral: o.ephemeral ?? false,
      expiration: expiresIn,
      tags,
    });
    return {
      key: key.key,
      id: key.id,
      reusable: key.reusable,
      ephemeral: key.ephemeral,
      expiration: key.expiration?.toISOString(),
      tags,
      serverUrl,
    };
  } catch (error) {
    throw toMeshError(error, 'creating a pre-auth key');
  }
}

/** Writes a key to a 0600 file (default `<stateDir>/keys/<id>.key`); returns the path. */
export async function saveJoinKey(ctx: MeshContext, key: JoinKey, file?: string): Promise<string> {
  const { mkdir, writeFile, chmod } = await import('node:fs/promises');
  const path = await import('node:path');
  const target = file ?? path.join(ctx.paths.stateDir, 'keys', `preauth-${key.id}.key`);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await writeFile(target, `${key.key}\n`, { mode: 0o600 });
  await chmod(target, 0o600);
  return target;
}
