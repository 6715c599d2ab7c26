import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunner } from '@mesh/platform';
import { afterAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'mesh-action-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// The runner executes the committed dist/ as is, so it must be what src/ builds to today.
// (@mesh/* are bundled from source through the tsconfig paths, so no other build is needed.)
describe('committed bundle', () => {
  it('dist/main.js and dist/post.js are up to date (run `pnpm --filter @mesh/action build`)', async () => {
    const r = await createRunner().run('pnpm', ['exec', 'tsup', '--out-dir', outDir], {
      cwd: appDir,
      timeout: 60_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const file of ['main.js', 'post.js']) {
      const fresh = readFileSync(join(outDir, file), 'utf8');
      const committed = readFileSync(join(appDir, 'dist', file), 'utf8');
      // Compare by equality, not a diff dump: a stale 700 KB bundle is unreadable in a report.
      expect(committed === fresh, `dist/${file} is stale`).toBe(true);
    }
  });
});
