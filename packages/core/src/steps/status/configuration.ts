import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findConflicts } from '@mesh/syncthing-client';
import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { DEFAULT_STIGNORE } from '../constants.js';
import { controlServerUrl } from '../server-url.js';
import { controlServerAnswers } from '../standing.js';
import type { StatusCheck } from './types.js';

/** Whether the control server answers this client, as tailscaled would ask it. */
export function controlServerCheck(serverUrl: string, answers: boolean): StatusCheck {
  return answers
    ? {
        section: 'headscale',
        name: 'reachable',
        level: 'ok',
        message: `Headscale at ${serverUrl} answers`,
      }
    : {
        section: 'headscale',
        name: 'reachable',
        level: 'fail',
        message: `Headscale at ${serverUrl} does not answer: machines cannot join or change; existing paths keep working for a while`,
        fix: 'on the server: mesh server status (sudo systemctl restart headscale)',
      };
}

/** The control server this machine knows, or that it was never set up. */
export function serverUrlCheck(serverUrl: string | undefined, setupCommand: string): StatusCheck {
  return serverUrl
    ? {
        section: 'configuration',
        name: 'server',
        level: 'ok',
        message: `Headscale server: ${serverUrl}`,
      }
    : {
        section: 'configuration',
        name: 'server',
        level: 'fail',
        message: 'No Headscale server configured',
        fix: setupCommand,
      };
}

/** The pattern lines of a `.stignore` text that Mesh did not write. */
export function extraIgnorePatterns(text: string): string[] {
  const patterns = (t: string) =>
    t
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//'));
  const ours = new Set(patterns(DEFAULT_STIGNORE));
  return patterns(text).filter((p) => !ours.has(p));
}

/** Ignore patterns beyond Mesh's own: files matching them never sync, without a word. */
export function stignoreCheck(extra: readonly string[]): StatusCheck | undefined {
  if (extra.length === 0) return undefined;
  return {
    section: 'syncthing',
    name: 'stignore',
    level: 'warn',
    message: `.stignore hides files matching ${extra.length} pattern(s) beyond Mesh's defaults: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''} (they never sync)`,
  };
}

/** Conflict copies in the shared folder, each waiting for a person to choose. */
export function conflictsCheck(
  conflicts: readonly string[],
  folder: string,
): StatusCheck | undefined {
  if (conflicts.length === 0) return undefined;
  return {
    section: 'conflicts',
    name: 'conflicts',
    level: 'warn',
    message: `${conflicts.length} conflict file(s) in ${folder}`,
    fix: 'mesh conflicts lists them; keep the right version, delete the copy',
  };
}

/**
 * Whether a file-system error only says the path is not there: a shared folder or `.stignore`
 * not made yet, which the Syncthing checks report. A folder removed while it is walked says so
 * too.
 */
export function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * A file status reads and cannot: a warning naming why (permissions, a file where a folder
 * should be), since what it would have shown is unknown, not wrong.
 */
export function unreadableCheck(
  section: StatusCheck['section'],
  name: string,
  what: string,
  error: unknown,
): StatusCheck {
  return {
    section,
    name,
    level: 'warn',
    message: `${what} cannot be read: ${toMeshError(error).message}`,
  };
}

/** The control server as this machine knows it, ignore patterns, and conflict copies. */
export async function configurationSection(
  ctx: MeshContext,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; serverUrl: string | undefined; conflicts: string[] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck | undefined) => {
    if (c) checks.push(c);
  };
  const folder = ctx.paths.sharedFolder;
  const serverUrl = await controlServerUrl(ctx);
  if (serverUrl && ctx.role !== 'server') {
    // The server checks its own Headscale above; a client asks it like tailscaled does.
    add(controlServerCheck(serverUrl, await controlServerAnswers(serverUrl)));
  }
  add(serverUrlCheck(serverUrl, setupCommand));

  const stignore = path.join(folder, '.stignore');
  try {
    add(stignoreCheck(extraIgnorePatterns(await readFile(stignore, 'utf8'))));
  } catch (error) {
    if (!isMissing(error)) add(unreadableCheck('syncthing', 'stignore', stignore, error));
  }

  let conflicts: string[] = [];
  try {
    conflicts = (await findConflicts(folder)).map((c) => c.relativePath);
  } catch (error) {
    if (!isMissing(error)) {
      add(unreadableCheck('conflicts', 'conflicts', `Conflict copies in ${folder}`, error));
    }
  }
  add(conflictsCheck(conflicts, folder));
  return { checks, serverUrl, conflicts };
}
