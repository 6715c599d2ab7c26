import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportError } from '../boundary.js';
import { capturedOutput } from '../output/capture.js';
import { type InitArgs, type InitTerminal, init } from './init.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-init-cli-'));
  file = path.join(dir, 'mesh.env');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noTerminal: InitTerminal = {
  interactive: false,
  questioner: () => {
    throw new Error('asked without a terminal');
  },
};

/** A terminal where the lines of `typed` are answered in turn. */
function scripted(typed: string[]) {
  const said: string[] = [];
  const prompts: string[] = [];
  let closed = false;
  const terminal: InitTerminal = {
    interactive: true,
    questioner: () => ({
      say: (text) => said.push(text),
      ask: async (prompt) => {
        prompts.push(prompt);
        const next = typed.shift();
        if (next === undefined) throw new Error(`no answer for ${prompt}`);
        return next;
      },
      close: () => {
        closed = true;
      },
    }),
  };
  return { terminal, said, prompts, closed: () => closed };
}

async function run(args: Partial<InitArgs>, terminal = noTerminal) {
  const json = args.json === true;
  const { out, text, errText } = capturedOutput({ json });
  let exitCode: number;
  try {
    exitCode = await init({ json, file, ...args }, out, terminal);
  } catch (error) {
    exitCode = reportError(out, error, false);
  }
  return { exitCode, stdout: text(), stderr: errText() };
}

describe('mesh init', () => {
  it('without a terminal takes the flags only, and a second run changes nothing', async () => {
    const flags = { 'server-url': 'http://10.0.0.1:8080', 'magic-dns': 'off', json: true };
    const r = await run(flags);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['ok', 'changed', 'path', 'backup', 'content']);
    expect(doc).toMatchObject({ ok: true, changed: true, path: file, backup: null });
    expect(doc['content']).toContain('\nMESH_SERVER_URL=http://10.0.0.1:8080\n');
    expect(doc['content']).toContain('\n# MESH_SHARED_FOLDER_LINUX=/opt/shared\n');
    expect(await readFile(file, 'utf8')).toBe(doc['content']);

    const again = await run(flags);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, backup: null });
    expect(await readdir(dir)).toEqual(['mesh.env']);
  });

  it('refuses a bad flag with exit 4, naming it, and writes nothing', async () => {
    const r = await run({ 'agent-forget-after': 'soon' });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      'ERROR: --agent-forget-after: expected a number of seconds such as 600, got "soon"',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('changes an existing file without a terminal only with --force, keeping a backup', async () => {
    await writeFile(file, 'OTHER=1\n');
    const refused = await run({ 'server-hostnames': 'hub' });
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain(`ERROR: ${file} exists and mesh init would change it`);
    expect(await readFile(file, 'utf8')).toBe('OTHER=1\n');

    const forced = await run({ 'server-hostnames': 'hub', force: true, json: true });
    expect(forced.exitCode, forced.stderr).toBe(0);
    const doc = JSON.parse(forced.stdout) as { backup: string; content: string };
    expect(doc.backup).toMatch(/mesh\.env\.mesh-bak-\d{8}T\d{6}Z$/);
    expect(await readFile(doc.backup, 'utf8')).toBe('OTHER=1\n');
    expect(doc.content.startsWith('OTHER=1\n\n# ')).toBe(true);
  });

  it('--dry-run prints the file and writes nothing', async () => {
    const r = await run({ 'dry-run': true, dryRun: true, 'server-hostnames': 'hub' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`INFO: --dry-run: nothing was written; ${file} would read:\n# `);
    expect(r.stdout).toContain('\nMESH_SERVER_HOSTNAMES=hub\n');
    expect(r.stdout).toContain('\n# MESH_MAGIC_DNS=on\n');
    expect(
      r.stdout.endsWith(
        '# MESH_SYNCTHING_RELEASES_URL=https://github.com/syncthing/syncthing/releases/download\n',
      ),
    ).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('on a terminal asks every setting; Enter keeps, - unsets, a bad value is asked again', async () => {
    await writeFile(file, 'MESH_MAGIC_DNS=off\nMESH_WSL2_HOSTNAMES=pc\n');
    const t = scripted([
      'hub',
      '',
      '',
      '',
      'shared',
      '/srv/shared',
      '',
      '',
      '',
      '',
      '-',
      '',
      '',
      '',
      'y',
    ]);
    const r = await run({ 'server-url': 'http://s:8080' }, t.terminal);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(t.prompts).toEqual([
      'MESH_SERVER_HOSTNAMES [unset]: ',
      'MESH_WSL2_HOSTNAMES [pc]: ',
      'MESH_WINDOWS_HOSTNAMES [unset]: ',
      'MESH_DEFAULT_USER [unset]: ',
      'MESH_SHARED_FOLDER_LINUX [unset: /opt/shared]: ',
      'MESH_SHARED_FOLDER_LINUX [unset: /opt/shared]: ',
      'MESH_SHARED_FOLDER_WINDOWS [unset: C:\\shared]: ',
      'MESH_SERVER_URL [http://s:8080]: ',
      'MESH_AGENT_FORGET_AFTER [unset: 600]: ',
      'MESH_AGENT_RECHECK_AFTER [unset: 60]: ',
      'MESH_MAGIC_DNS [off]: ',
      'MESH_TAILSCALE_PACKAGES_URL [unset: https://pkgs.tailscale.com/stable]: ',
      'MESH_HEADSCALE_RELEASES_URL [unset: https://github.com/juanfont/headscale/releases/download]: ',
      'MESH_SYNCTHING_RELEASES_URL [unset: https://github.com/syncthing/syncthing/releases/download]: ',
      `Replace ${file}? The old file is kept as ${file}.mesh-bak-TIME. [y/N] `,
    ]);
    expect(t.closed()).toBe(true);
    expect(t.said).toContain(
      '--shared-folder-linux: expected an absolute POSIX path such as /opt/shared, got "shared"; try again',
    );
    const written = await readFile(file, 'utf8');
    expect(written).toContain('\nMESH_WSL2_HOSTNAMES=pc\n');
    expect(written).toContain('\n# MESH_MAGIC_DNS=on\n');
    expect(written).toContain('\nMESH_SERVER_HOSTNAMES=hub\n');
    expect(written).toContain('\nMESH_SHARED_FOLDER_LINUX=/srv/shared\n');
    expect(written).toContain('\nMESH_SERVER_URL=http://s:8080\n');
    expect(r.stdout).toContain('INFO: would unset MESH_MAGIC_DNS (was off)\n');
    expect(r.stdout).toContain(`OK: Wrote ${file}; the old file is kept as ${file}.mesh-bak-`);
  });

  it('on a terminal, a no at the confirmation writes nothing', async () => {
    await writeFile(file, 'MESH_MAGIC_DNS=off\n');
    const t = scripted(['', '', '', '', '', '', '', '', '', 'on', '', '', '', '']);
    const r = await run({}, t.terminal);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('Hint: answer yes at the prompt, or pass --force');
    expect(await readFile(file, 'utf8')).toBe('MESH_MAGIC_DNS=off\n');
  });
});
