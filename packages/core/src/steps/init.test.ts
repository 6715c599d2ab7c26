import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  SETTINGS_VARIABLES as d,
  HEADSCALE_RELEASES_URL,
  SYNCTHING_RELEASES_URL,
  TAILSCALE_PACKAGES_URL,
} from '@mesh/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMeshError } from '../errors.js';
import {
  INIT_SETTINGS,
  type InitSetting,
  initEnvFile,
  initQuestions,
  validateInitValue,
} from './init.js';

let root: string;
/** The directory init runs in; its `../.env` is `root/.env`. */
let cwd: string;
let file: string;
// No variable of the machine running the tests may leak into warnings or lookups.
const base = { env: {}, lookupUser: async () => undefined };

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mesh-init-test-'));
  cwd = path.join(root, 'checkout');
  await mkdir(cwd);
  file = path.join(root, '.env');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file in `root`, so a test can say nothing else was written. */
const files = () => readdir(root).then((names) => names.filter((n) => n !== 'checkout').sort());

const DEFAULTS: Partial<Record<string, string>> = {
  MESH_SHARED_FOLDER_LINUX: '/opt/shared',
  MESH_SHARED_FOLDER_WINDOWS: 'C:\\shared',
  MESH_AGENT_FORGET_AFTER: '600',
  MESH_AGENT_RECHECK_AFTER: '60',
  MESH_MAGIC_DNS: 'on',
  MESH_TAILSCALE_PACKAGES_URL: TAILSCALE_PACKAGES_URL,
  MESH_HEADSCALE_RELEASES_URL: HEADSCALE_RELEASES_URL,
  MESH_SYNCTHING_RELEASES_URL: SYNCTHING_RELEASES_URL,
};
/** The two lines init writes for a setting left unset. */
const unset = (key: InitSetting) => [`# ${d[key]}`, `# ${key}=${DEFAULTS[key] ?? ''}`];
/** The blocks init appends for settings a file did not have, each after a blank line. */
const appended = (keys: InitSetting[]) => keys.flatMap((key) => ['', ...unset(key)]);

describe('initEnvFile', () => {
  it('writes ../.env: every setting described, unset ones commented out with their default', async () => {
    const r = await initEnvFile({
      ...base,
      cwd,
      answers: {
        MESH_SERVER_HOSTNAMES: 'server',
        MESH_SHARED_FOLDER_WINDOWS: 'D:\\mesh share',
        MESH_SERVER_URL: ' http://10.0.0.1:8080 ',
        MESH_MAGIC_DNS: 'off',
        MESH_AGENT_FORGET_AFTER: '',
      },
    });
    const expected = [
      `# ${d.MESH_SERVER_HOSTNAMES}`,
      'MESH_SERVER_HOSTNAMES=server',
      '',
      `# ${d.MESH_WSL2_HOSTNAMES}`,
      '# MESH_WSL2_HOSTNAMES=',
      '',
      `# ${d.MESH_WINDOWS_HOSTNAMES}`,
      '# MESH_WINDOWS_HOSTNAMES=',
      '',
      `# ${d.MESH_DEFAULT_USER}`,
      '# MESH_DEFAULT_USER=',
      '',
      `# ${d.MESH_SHARED_FOLDER_LINUX}`,
      '# MESH_SHARED_FOLDER_LINUX=/opt/shared',
      '',
      `# ${d.MESH_SHARED_FOLDER_WINDOWS}`,
      "MESH_SHARED_FOLDER_WINDOWS='D:\\mesh share'",
      '',
      `# ${d.MESH_SERVER_URL}`,
      'MESH_SERVER_URL=http://10.0.0.1:8080',
      '',
      `# ${d.MESH_AGENT_FORGET_AFTER}`,
      '# MESH_AGENT_FORGET_AFTER=600',
      '',
      `# ${d.MESH_AGENT_RECHECK_AFTER}`,
      '# MESH_AGENT_RECHECK_AFTER=60',
      '',
      `# ${d.MESH_MAGIC_DNS}`,
      'MESH_MAGIC_DNS=off',
      '',
      `# ${d.MESH_TAILSCALE_PACKAGES_URL}`,
      `# MESH_TAILSCALE_PACKAGES_URL=${TAILSCALE_PACKAGES_URL}`,
      '',
      `# ${d.MESH_HEADSCALE_RELEASES_URL}`,
      `# MESH_HEADSCALE_RELEASES_URL=${HEADSCALE_RELEASES_URL}`,
      '',
      `# ${d.MESH_SYNCTHING_RELEASES_URL}`,
      `# MESH_SYNCTHING_RELEASES_URL=${SYNCTHING_RELEASES_URL}`,
      '',
    ].join('\n');
    expect(r.path).toBe(file);
    expect(r.content).toBe(expected);
    expect(await readFile(file, 'utf8')).toBe(expected);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r).toMatchObject({ changed: true, existed: false, warnings: [] });
    expect(r.backup).toBeUndefined();
    expect(r.changes).toEqual([
      `created ${file}`,
      'set MESH_SERVER_HOSTNAMES=server',
      'set MESH_SHARED_FOLDER_WINDOWS=D:\\mesh share',
      'set MESH_SERVER_URL=http://10.0.0.1:8080',
      'set MESH_MAGIC_DNS=off',
    ]);
  });

  it('changes nothing when run again with the same answers, or with none', async () => {
    const answers = { MESH_SERVER_HOSTNAMES: 'server, hub', MESH_DEFAULT_USER: 'mesh' };
    const lookupUser = async (name: string) =>
      name === 'mesh' ? { name, uid: 1000, gid: 1000, home: '/home/mesh' } : undefined;
    const first = await initEnvFile({ ...base, lookupUser, cwd, answers });
    expect(first.changed).toBe(true);
    const again = await initEnvFile({ ...base, lookupUser, cwd, answers, replace: true });
    expect(again).toMatchObject({ changed: false, existed: true, changes: [] });
    expect(again.backup).toBeUndefined();
    expect(again.content).toBe(first.content);
    // No answers keep what the file says; without `replace` that is fine as nothing changes.
    expect((await initEnvFile({ ...base, lookupUser, cwd })).changed).toBe(false);
    expect(await files()).toEqual(['.env']);
  });

  it('writes nothing when a value is bad, and names its flag', async () => {
    const bad = initEnvFile({ ...base, cwd, answers: { MESH_SERVER_URL: 'ftp://x' } });
    await expect(bad).rejects.toMatchObject({
      kind: 'badInput',
      exitCode: 4,
      message:
        '--server-url: expected an http:// or https:// URL such as http://10.0.0.1:8080, got "ftp://x"',
    });
    await expect(
      initEnvFile({ ...base, cwd, answers: { MESH_AGENT_RECHECK_AFTER: '0' }, dryRun: true }),
    ).rejects.toThrow('--agent-recheck-after: expected one second or more, got "0"');
    await expect(
      initEnvFile({ ...base, cwd, answers: { MESH_DEFAULT_USER: 'ghost' } }),
    ).rejects.toThrow('--default-user: names the user "ghost", who does not exist on this machine');
    expect(await files()).toEqual([]);

    // A value the file has already is checked too, and named with its line.
    await writeFile(file, 'A=1\nMESH_SHARED_FOLDER_LINUX=shared\n');
    const kept = await initEnvFile({ ...base, cwd, replace: true }).catch((e: unknown) => e);
    expect(isMeshError(kept)).toBe(true);
    expect(kept).toMatchObject({
      kind: 'badInput',
      message: `${file}:2: MESH_SHARED_FOLDER_LINUX: expected an absolute POSIX path such as /opt/shared, got "shared"`,
      hint: `give --shared-folder-linux a valid value (or '' to leave it unset), or fix line 2 of ${file}; nothing was written`,
    });
    // ...as is an unknown MESH_ key on another line.
    await writeFile(file, 'A=1\n\nMESH_SHARED_FOLDR=/x\n');
    await expect(
      initEnvFile({ ...base, cwd, answers: { MESH_SERVER_URL: 'http://s:8080' }, replace: true }),
    ).rejects.toThrow(
      `${file}:3: MESH_SHARED_FOLDR: unknown setting; did you mean MESH_SHARED_FOLDER_LINUX?`,
    );
    expect(await readFile(file, 'utf8')).toBe('A=1\n\nMESH_SHARED_FOLDR=/x\n');
    expect(await files()).toEqual(['.env']);
  });

  it("keeps other programs' lines byte for byte, and replaces an existing file only when told", async () => {
    const before = [
      '# my app',
      'DATABASE_URL="postgres://db/app" # prod',
      '# Headscale server URL for (re)joining',
      'MESH_SERVER_URL=http://old:8080',
      'export MESH_SERVER_HOSTNAMES=hub # the hub',
      '  OTHER = two  ',
      '# MESH_MAGIC_DNS=off',
      'MESH_SERVER_URL=http://older:8080',
      'TAIL=1',
    ].join('\n');
    await writeFile(file, before);
    const answers = { MESH_SERVER_URL: 'http://new:8080' };
    await expect(initEnvFile({ ...base, cwd, answers })).rejects.toMatchObject({
      kind: 'badInput',
      message: `${file} exists and mesh init would change it`,
    });
    expect(await readFile(file, 'utf8')).toBe(before);

    const r = await initEnvFile({ ...base, cwd, answers, replace: true });
    expect(r.content).toBe(
      [
        '# my app',
        'DATABASE_URL="postgres://db/app" # prod',
        `# ${d.MESH_SERVER_URL}`,
        'MESH_SERVER_URL=http://new:8080',
        `# ${d.MESH_SERVER_HOSTNAMES}`,
        'export MESH_SERVER_HOSTNAMES=hub # the hub',
        '  OTHER = two  ',
        ...unset('MESH_MAGIC_DNS'),
        'TAIL=1',
        ...appended([
          'MESH_WSL2_HOSTNAMES',
          'MESH_WINDOWS_HOSTNAMES',
          'MESH_DEFAULT_USER',
          'MESH_SHARED_FOLDER_LINUX',
          'MESH_SHARED_FOLDER_WINDOWS',
          'MESH_AGENT_FORGET_AFTER',
          'MESH_AGENT_RECHECK_AFTER',
          'MESH_TAILSCALE_PACKAGES_URL',
          'MESH_HEADSCALE_RELEASES_URL',
          'MESH_SYNCTHING_RELEASES_URL',
        ]),
        '',
      ].join('\n'),
    );
    expect(r.changes).toEqual(['set MESH_SERVER_URL=http://new:8080 (was http://older:8080)']);
    expect(r.backup).toMatch(/\/\.env\.mesh-bak-\d{8}T\d{6}Z$/);
    expect(await readFile(r.backup ?? '', 'utf8')).toBe(before);
    expect(await readFile(file, 'utf8')).toBe(r.content);

    const again = await initEnvFile({ ...base, cwd, answers });
    expect(again.changed).toBe(false);
    expect(await files()).toEqual(['.env', path.basename(r.backup ?? '')]);
  });

  it('keeps CRLF line endings and a BOM', async () => {
    await writeFile(file, '\uFEFFFOO=1\r\nMESH_MAGIC_DNS=off\r\nBAR=2');
    const r = await initEnvFile({
      ...base,
      cwd,
      answers: { MESH_SERVER_HOSTNAMES: 'hub' },
      replace: true,
    });
    expect(r.content).toBe(
      `\uFEFF${[
        'FOO=1',
        `# ${d.MESH_MAGIC_DNS}`,
        'MESH_MAGIC_DNS=off',
        'BAR=2',
        '',
        `# ${d.MESH_SERVER_HOSTNAMES}`,
        'MESH_SERVER_HOSTNAMES=hub',
        ...appended(
          INIT_SETTINGS.filter((k) => k !== 'MESH_SERVER_HOSTNAMES' && k !== 'MESH_MAGIC_DNS'),
        ),
        '',
      ].join('\r\n')}`,
    );
    expect(r.content.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(
      (await initEnvFile({ ...base, cwd, answers: { MESH_SERVER_HOSTNAMES: 'hub' } })).changed,
    ).toBe(false);
  });

  it('--dry-run builds the file and writes nothing, even over an existing one', async () => {
    await writeFile(file, 'A=1\n');
    const r = await initEnvFile({ ...base, cwd, dryRun: true, answers: { MESH_MAGIC_DNS: 'on' } });
    expect(r).toMatchObject({ changed: true, existed: true });
    expect(r.content).toContain('A=1\n\n# ');
    expect(r.content).toContain('\nMESH_MAGIC_DNS=on\n');
    expect(await readFile(file, 'utf8')).toBe('A=1\n');
    expect(await files()).toEqual(['.env']);
  });

  it('warns about what wins over the file, and --file picks another one', async () => {
    await writeFile(path.join(cwd, '.env'), 'MESH_SERVER_URL=http://here:8080\n');
    const r = await initEnvFile({
      ...base,
      cwd,
      env: { MESH_MAGIC_DNS: 'off', MESH_ENV_FILE: '/etc/mesh.env' },
      dryRun: true,
    });
    expect(r.warnings).toEqual([
      `MESH_ENV_FILE is set: mesh reads /etc/mesh.env, not ${file}`,
      `${path.join(cwd, '.env')} wins over ${file} for every variable it sets`,
      `MESH_MAGIC_DNS is set in the environment, which wins over ${file}`,
    ]);
    const other = await initEnvFile({ ...base, cwd, file: 'mesh.env' });
    expect(other.path).toBe(path.join(cwd, 'mesh.env'));
    expect(other.warnings).toEqual([]);
  });
});

describe('initQuestions', () => {
  it("asks about every setting but HEADSCALE_SERVER, with the file's value and the default", async () => {
    await writeFile(file, "MESH_SERVER_URL='http://hub:8080' # mine\nMESH_WSL2_HOSTNAMES=\n");
    const { path: target, questions } = await initQuestions({ cwd });
    expect(target).toBe(file);
    expect(questions.map((q) => q.key)).toEqual(INIT_SETTINGS);
    expect(questions.map((q) => q.flag)).toEqual([
      '--server-hostnames',
      '--wsl2-hostnames',
      '--windows-hostnames',
      '--default-user',
      '--shared-folder-linux',
      '--shared-folder-windows',
      '--server-url',
      '--agent-forget-after',
      '--agent-recheck-after',
      '--magic-dns',
      '--tailscale-packages-url',
      '--headscale-releases-url',
      '--syncthing-releases-url',
    ]);
    expect(questions.find((q) => q.key === 'MESH_SERVER_URL')).toEqual({
      key: 'MESH_SERVER_URL',
      flag: '--server-url',
      description: d.MESH_SERVER_URL,
      current: 'http://hub:8080',
    });
    expect(questions.find((q) => q.key === 'MESH_WSL2_HOSTNAMES')?.current).toBeUndefined();
    expect(questions.find((q) => q.key === 'MESH_MAGIC_DNS')?.default).toBe('on');
  });
});

describe('validateInitValue', () => {
  it('accepts what loading accepts and an empty value, and names the flag otherwise', () => {
    expect(() => validateInitValue('MESH_SHARED_FOLDER_WINDOWS', 'E:\\data')).not.toThrow();
    expect(() => validateInitValue('MESH_DEFAULT_USER', '  ')).not.toThrow();
    expect(() => validateInitValue('MESH_MAGIC_DNS', 'yes')).toThrow(
      `--magic-dns: expected on or off (off keeps this machine's DNS as it is), got "yes"`,
    );
    expect(() =>
      validateInitValue('MESH_TAILSCALE_PACKAGES_URL', 'https://mirror.lan/ts?track=stable'),
    ).toThrow(
      '--tailscale-packages-url: expected an http(s) URL without ?query or #fragment, got "https://mirror.lan/ts?track=stable"',
    );
    expect(() => validateInitValue('MESH_SERVER_HOSTNAMES', 'a\nb')).toThrow(
      '--server-hostnames: expected one line',
    );
  });
});
