import { readSavedServerUrl } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { MESH_USER } from './constants.js';
import { localHeadscale, requireServerRole } from './server.js';

/** Parses `30m`, `24h`, `7d`, `90s` into milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (!m?.[1] || !m[2]) {
    throw new MeshError(
      `--expiration must look like 30m, 24h or 7d, got ${JSON.stringify(value)}`,
      {
        kind: 'badInput',
        hint: 'use a number followed by s, m, h or d',
      },
    );
  }
  const ms = Number(m[1]) * unit[m[2] as keyof typeof unit];
  if (ms <= 0) throw new MeshError('--expiration must be positive', { kind: 'badInput' });
  return ms;
}

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
  /** @default '24h' */
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

/** `mesh server keygen`: a pre-auth key for user `mesh` (reusable, 24h by default, §20.1). */
export async function createJoinKey(
  ctx: MeshContext,
  o: CreateJoinKeyOptions = {},
): Promise<JoinKey> {
  requireServerRole(ctx);
  const expiresIn = parseDuration(o.expiration ?? '24h');
  const tags = parseTags(o.tags);
  const serverUrl = await readSavedServerUrl({ env: ctx.env });
  if (!serverUrl) {
    throw new MeshError('this server is not set up yet', {
      kind: 'badInput',
      hint: 'run mesh server setup first',
    });
  }
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
