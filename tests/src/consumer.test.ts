import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Proves the packages work as published: packed tarballs, installed into a project outside the
// workspace, imported by name from ESM and type-checked by a consumer's tsc.
const repo = resolve(import.meta.dirname, '../..');
const published = ['platform', 'syncthing-client', 'headscale', 'tailscale', 'core'];

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mesh-consumer-'));
  const packs = join(dir, 'packs');
  await mkdir(packs);
  for (const name of published) {
    await execa('pnpm', ['pack', '--pack-destination', packs], {
      cwd: join(repo, 'packages', name),
      timeout: 60_000,
    });
  }
  const tarballs = await readdir(packs);
  const file = (name: string) => {
    const tgz = tarballs.find((t) => t.startsWith(`mesh-${name}-`));
    if (!tgz) throw new Error(`no tarball for @mesh/${name} in ${tarballs.join(', ')}`);
    return `file:./packs/${tgz}`;
  };
  const deps = Object.fromEntries(published.map((n) => [`@mesh/${n}`, file(n)]));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'mesh-consumer',
      private: true,
      type: 'module',
      dependencies: deps,
      // Siblings depend on each other by semver range: point those at the tarballs too.
      overrides: deps,
    }),
  );
  await execa('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '@types/node@20'], {
    cwd: dir,
    timeout: 240_000,
  });
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('published packages', () => {
  it('import by name from ESM', async () => {
    const lines = published.map(
      (n, i) =>
        `import * as m${i} from '@mesh/${n}'; if (Object.keys(m${i}).length === 0) throw new Error('@mesh/${n} exports nothing');`,
    );
    await writeFile(join(dir, 'check.mjs'), `${lines.join('\n')}\nconsole.log('ok');\n`);
    const { stdout } = await execa('node', ['check.mjs'], { cwd: dir, timeout: 30_000 });
    expect(stdout).toBe('ok');
  });

  it('type-check in a consumer project with tsc', async () => {
    const lines = published.map((n, i) => `import * as m${i} from '@mesh/${n}';\nvoid m${i};`);
    await writeFile(join(dir, 'check.ts'), `${lines.join('\n')}\nexport {};\n`);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await execa('node', [tsc, '-p', dir], {
      cwd: dir,
      reject: false,
      timeout: 120_000,
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
