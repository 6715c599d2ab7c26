import type { PreAuthKey } from '@mesh/headscale';
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
import { controlServerUrl } from './server-url.js';

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

/** A pre-auth key as Mesh shows it (never the secret). */
export interface KeySummary {
  id: string;
  reusable: boolean;
  ephemeral: boolean;
  used: boolean;
  /** ISO time; undefined when it never expires. */
  expiration: string | undefined;
  expired: boolean;
}

/**
 * The one mapping of a Headscale pre-auth key to what Mesh shows of it (`mesh server status`'s
 * keys, `mesh server keygen`'s new key): never the secret.
 */
export function summarizeKey(k: PreAuthKey, now = Date.now()): KeySummary {
  return {
    id: k.id,
    reusable: k.reusable,
    ephemeral: k.ephemeral,
    used: k.used,
    expiration: k.expiration?.toISOString(),
    expired: k.expiration !== undefined && k.expiration.getTime() <= now,
  };
}

/** A new pre-auth key: its secret, and the fields of it {@link summarizeKey} shows. */
export interface JoinKey extends Pick<KeySummary, 'id' | 'reusable' | 'ephemeral' | 'expiration'> {
  /** The secret. Print it once; never put it in JSON output or logs. */
  key: string;
  /** The ACL tags asked for. */
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
  const serverUrl = await controlServerUrl(ctx, { strict: true });
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
    const { id, reusable, ephemeral, expiration } = summarizeKey(key);
    return { key: key.key, id, reusable, ephemeral, expiration, tags, serverUrl };
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
