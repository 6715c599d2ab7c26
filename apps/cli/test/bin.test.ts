import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

// The bundle is what users run: it must work with nothing but Node (no workspace, no source).
const bin = fileURLToPath(new URL('../bin/mesh.js', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/mesh.js', import.meta.url));

describe.each([
  ['bin entry', bin],
  ['bundle', bundle],
])('%s', (_name, file) => {
  it('prints its version', async () => {
    const { stdout } = await execa('node', [file, '--version'], { timeout: 15_000 });
    expect(stdout.trim()).toBe(packageJson.version);
  });

  it('prints help with every command group', async () => {
    const { stdout } = await execa('node', [file, '--help'], { timeout: 15_000 });
    for (const command of ['server', 'client', 'peer', 'status']) {
      expect(stdout).toContain(`mesh ${command}`);
    }
  });

  it('refuses an unknown flag with one line and exit code 2', async () => {
    const result = await execa('node', [file, 'status', '--no-such-flag'], {
      reject: false,
      timeout: 15_000,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
