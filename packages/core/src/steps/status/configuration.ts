import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findConflicts } from '@mesh/syncthing-client';
import type { MeshContext } from '../../context.js';
import { DEFAULT_STIGNORE } from '../constants.js';
import { controlServerUrl } from '../server-url.js';
import { controlServerAnswers } from '../standing.js';
import type { StatusCheck } from './types.js';

/** The pattern lines of the shared folder's `.stignore` that Mesh did not write. */
async function extraIgnorePatterns(folder: string): Promise<string[]> {
  const patterns = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//'));
  const ours = new Set(patterns(DEFAULT_STIGNORE));
  const text = await readFile(path.join(folder, '.stignore'), 'utf8').catch(() => '');
  return patterns(text).filter((p) => !ours.has(p));
}

/** The control server as this machine knows it, ignore patterns, and conflict copies. */
export async function configurationSection(
  ctx: MeshContext,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; serverUrl: string | undefined; conflicts: string[] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  const serverUrl = await controlServerUrl(ctx);
  if (serverUrl && ctx.role !== 'server') {
    // The server checks its own Headscale above; a client asks it like tailscaled does.
    const up = await controlServerAnswers(serverUrl);
    add(
      up
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
          },
    );
  }
  add(
    serverUrl
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
        },
  );

  // Ignore patterns beyond Mesh's own: files matching them never sync, without a word.
  const extra = await extraIgnorePatterns(ctx.paths.sharedFolder);
  if (extra.length > 0) {
    add({
      section: 'syncthing',
      name: 'stignore',
      level: 'warn',
      message: `.stignore hides files matching ${extra.length} pattern(s) beyond Mesh's defaults: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''} (they never sync)`,
    });
  }

  // Conflicts.
  let conflicts: string[] = [];
  try {
    conflicts = (await findConflicts(ctx.paths.sharedFolder)).map((c) => c.relativePath);
  } catch {
    // No shared folder yet: reported by the Syncthing checks.
  }
  if (conflicts.length > 0) {
    add({
      section: 'conflicts',
      name: 'conflicts',
      level: 'warn',
      message: `${conflicts.length} conflict file(s) in ${ctx.paths.sharedFolder}`,
      fix: 'mesh conflicts lists them; keep the right version, delete the copy',
    });
  }
  return { checks, serverUrl, conflicts };
}
