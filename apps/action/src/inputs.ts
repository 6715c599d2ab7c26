import { existsSync } from 'node:fs';
import { hostname as osHostname, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { safeParseDuration } from '@mesh/core';
import { TAILSCALE_PACKAGES_URL } from '@mesh/platform';
import * as z from 'zod/mini';

/** Every input action.yml declares, in the order the README lists them. */
export const INPUT_NAMES = [
  'server',
  'key',
  'hostname',
  'tags',
  'accept-routes',
  'timeout',
  'retry',
  'ping',
  'userspace',
  'syncthing',
  'folder',
  'folder-path',
  'tailscale-version',
  'tailscale-packages-url',
  'tailscale-bin',
  'tailscaled-bin',
  'syncthing-bin',
  'state-dir',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** The inputs that are secrets: masked before anything is printed, never echoed in errors. */
export const SECRET_INPUTS = ['key'] as const satisfies readonly InputName[];

/** What the main step runs with, after validation. Durations are in milliseconds. */
export interface ActionConfig {
  server: string;
  key: string;
  hostname: string;
  tags: string[];
  acceptRoutes: boolean;
  timeoutMs: number;
  retry: number;
  ping: string[];
  userspace: boolean;
  syncthing?: {
    folderId: string;
    folderPath: string;
  };
  /**
   * The Tailscale version `tailscale`/`tailscaled` must report, when the input sets one; also
   * the one installed when the runner has none (the pinned version when unset).
   */
  tailscaleVersion?: string;
  /** Where Tailscale's static packages are (`tailscale_<version>_<arch>.tgz` and `.sha256`). */
  tailscalePackagesUrl: string;
  binaries: { tailscale?: string; tailscaled?: string; syncthing?: string };
  stateDir: string;
}

/** An input that failed validation; the message names the input and what was expected. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/**
 * The longest `timeout`: Node's timers hold at most 2^31-1 ms (about 24.8 days) and fire at once
 * when given more, which would fail the step immediately.
 */
export const MAX_TIMEOUT_MS = 24 * 86_400_000;

/** The YAML 1.2 core-schema booleans, as actions/toolkit's `getBooleanInput` accepts them. */
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** Splits a list input on commas, spaces and newlines. */
function list(s: string): string[] {
  return s.split(/[\s,]+/).filter((x) => x !== '');
}

/** A DNS label from any string: what a default hostname has to become. */
function toLabel(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'ci'
  );
}

// A zod/mini transform gets the parse payload, which has no `addIssue`: issues go on its list.
const fail = (ctx: z.core.ParsePayload, message: string) => {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return z.NEVER;
};

const bool = (fallback: boolean) =>
  z.pipe(
    z.string(),
    z.transform((s, ctx) => {
      if (s === '') return fallback;
      if (TRUE.includes(s)) return true;
      if (FALSE.includes(s)) return false;
      return fail(ctx, `must be true or false, got "${s}"`);
    }),
  );

const duration = (fallback: string) =>
  z.pipe(
    z.string(),
    z.transform((s, ctx) => {
      // A bare number has always meant seconds here; workflows written so keep working.
      const text = /^\d+$/.test(s) ? `${s}s` : s || fallback;
      const result = safeParseDuration(text, { max: MAX_TIMEOUT_MS });
      if (!result.success) {
        return fail(ctx, `must be a duration like 60s or 1m30s, got "${s}" (${result.problem})`);
      }
      return result.ms;
    }),
  );

const absolutePath = z.pipe(
  z.string(),
  z.transform((s, ctx) => {
    if (s === '') return undefined;
    if (!isAbsolute(s)) return fail(ctx, `must be an absolute path, got "${s}"`);
    return s;
  }),
);

const existingFile = z.pipe(
  absolutePath,
  z.transform((s, ctx) => {
    if (s !== undefined && !existsSync(s))
      return fail(ctx, `names a file that does not exist: "${s}"`);
    return s;
  }),
);

const httpUrl = (example: string) =>
  z.pipe(
    z.string(),
    z.transform((s, ctx) => {
      // Empty passes through; whether the input is required is checked once all are parsed.
      if (s === '') return '';
      let url: URL | undefined;
      try {
        url = new URL(s);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username) {
        return fail(ctx, `must be an http(s) URL like ${example}, got "${s}"`);
      }
      // Keep what the user wrote minus a trailing slash: tailscale compares --login-server as text.
      return s.replace(/\/+$/, '');
    }),
  );

/** A secret: checked, never quoted back. */
const secret = (what: string) =>
  z
    .string()
    .check(z.refine((s) => !/\s/.test(s), { message: `must be ${what} (one word, no spaces)` }));

function schema(env: NodeJS.ProcessEnv) {
  const defaultHost = toLabel(`github-${env['RUNNER_NAME'] || osHostname()}`);
  const runId = [env['GITHUB_RUN_ID'], env['GITHUB_RUN_ATTEMPT']].filter(Boolean).join('-');
  const temp = env['RUNNER_TEMP'] || tmpdir();
  return z.pipe(
    z
      .object({
        server: httpUrl('https://hs.example.org'),
        key: secret('a Headscale pre-auth key'),
        hostname: z.pipe(
          z.string(),
          z.transform((s, ctx) => {
            if (s === '') return defaultHost;
            if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(s)) {
              return fail(
                ctx,
                `must be a DNS label (letters, digits, "-", at most 63), got "${s}"`,
              );
            }
            return s.toLowerCase();
          }),
        ),
        tags: z.pipe(
          z.string(),
          z.transform((s, ctx) => {
            const tags = list(s).map((t) => (t.startsWith('tag:') ? t : `tag:${t}`));
            const bad = tags.find((t) => !/^tag:[a-z0-9][a-z0-9-]*$/i.test(t));
            if (bad) return fail(ctx, `must be tags like tag:ci, got "${bad}"`);
            return tags;
          }),
        ),
        'accept-routes': bool(false),
        timeout: duration('2m'),
        retry: z.pipe(
          z.string(),
          z.transform((s, ctx) => {
            if (s === '') return 2;
            if (!/^\d+$/.test(s) || Number(s) > 20) {
              return fail(ctx, `must be a whole number from 0 to 20, got "${s}"`);
            }
            return Number(s);
          }),
        ),
        ping: z.pipe(z.string(), z.transform(list)),
        userspace: bool(false),
        syncthing: bool(false),
        folder: z.pipe(
          z.string(),
          z.transform((s, ctx) => {
            // The folder every `mesh` machine shares (SHARED_FOLDER_ID in @mesh/core).
            if (s === '') return 'opt-shared';
            if (!/^[A-Za-z0-9._-]+$/.test(s)) {
              return fail(
                ctx,
                `must be a Syncthing folder ID (letters, digits, ".", "_", "-"), got "${s}"`,
              );
            }
            return s;
          }),
        ),
        'folder-path': absolutePath,
        'tailscale-version': z.pipe(
          z.string(),
          z.transform((s, ctx) => {
            if (s === '') return undefined;
            if (!/^\d+\.\d+\.\d+$/.test(s))
              return fail(ctx, `must be a version like 1.98.10, got "${s}"`);
            return s;
          }),
        ),
        'tailscale-packages-url': z.pipe(
          httpUrl('https://pkgs.tailscale.com/stable'),
          z.transform((s, ctx) => {
            if (s === '') return TAILSCALE_PACKAGES_URL;
            // Package names are appended to it as path segments: a query would swallow them.
            if (/[?#]/.test(s)) {
              // Not quoted: a query string may hold a token.
              return fail(ctx, 'must be a URL without query or fragment');
            }
            return s;
          }),
        ),
        'tailscale-bin': existingFile,
        'tailscaled-bin': existingFile,
        'syncthing-bin': existingFile,
        'state-dir': absolutePath,
      })
      .check(
        z.superRefine((o, ctx) => {
          if (o.server === '')
            ctx.addIssue({ code: 'custom', path: ['server'], message: 'is required' });
          if (o.key === '') ctx.addIssue({ code: 'custom', path: ['key'], message: 'is required' });
        }),
      ),
    z.transform((o): ActionConfig => {
      const stateDir = o['state-dir'] ?? join(temp, `mesh-action${runId ? `-${runId}` : ''}`);
      let syncthing: ActionConfig['syncthing'];
      if (o.syncthing) {
        syncthing = {
          folderId: o.folder,
          folderPath: o['folder-path'] ?? join(temp, 'mesh-folder', o.folder),
        };
      }
      return {
        server: o.server,
        key: o.key,
        hostname: o.hostname,
        tags: o.tags,
        acceptRoutes: o['accept-routes'],
        timeoutMs: o.timeout,
        retry: o.retry,
        ping: o.ping,
        userspace: o.userspace,
        ...(syncthing ? { syncthing } : {}),
        ...(o['tailscale-version'] ? { tailscaleVersion: o['tailscale-version'] } : {}),
        tailscalePackagesUrl: o['tailscale-packages-url'],
        binaries: {
          ...(o['tailscale-bin'] ? { tailscale: o['tailscale-bin'] } : {}),
          ...(o['tailscaled-bin'] ? { tailscaled: o['tailscaled-bin'] } : {}),
          ...(o['syncthing-bin'] ? { syncthing: o['syncthing-bin'] } : {}),
        },
        stateDir,
      };
    }),
  );
}

/**
 * Validates the raw inputs (as read by `getInput`) into an {@link ActionConfig}. Throws one
 * {@link InputError} naming every bad input, e.g. `input "timeout" must be a duration like 60s
 * or 1m30s, got "abc" (it does not start with a number)`. Secrets are never quoted.
 */
export function parseInputs(
  get: (name: InputName) => string,
  env: NodeJS.ProcessEnv = process.env,
): ActionConfig {
  const raw = Object.fromEntries(INPUT_NAMES.map((n) => [n, get(n)]));
  const result = schema(env).safeParse(raw);
  if (result.success) return result.data;
  const messages = result.error.issues.map(
    (i) => `input "${String(i.path[0] ?? '?')}" ${i.message}`,
  );
  throw new InputError([...new Set(messages)].join('; '));
}
