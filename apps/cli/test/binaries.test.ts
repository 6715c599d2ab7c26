import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

// The single-file binaries of `pnpm --filter @mesh/cli build:binaries`. CI builds them first and
// so must find them; elsewhere their absence skips this file with a message.
const linux = fileURLToPath(new URL('../dist-bin/mesh', import.meta.url));
const windows = fileURLToPath(new URL('../dist-bin/mesh.exe', import.meta.url));
const built = existsSync(linux) && existsSync(windows);
const required = process.env['CI'] === 'true';
if (!built && !required) {
  console.warn('binaries.test.ts skipped: run `pnpm --filter @mesh/cli build:binaries` first');
}

describe.runIf(built || required)('single-file binaries', () => {
  it('are built (CI)', () => {
    expect(built, 'dist-bin/mesh and dist-bin/mesh.exe: run build:binaries').toBe(true);
  });

  describe('linux-x64', () => {
    it('prints its version, with no warning about the experimental feature', async () => {
      const r = await execa(linux, ['--version'], { timeout: 15_000 });
      expect(r.stdout.trim()).toBe(packageJson.version);
      expect(r.stderr).toBe('');
    });

    it('prints help with every command group', async () => {
      const { stdout } = await execa(linux, ['--help'], { timeout: 15_000 });
      for (const command of ['server', 'client', 'peer', 'status']) {
        expect(stdout).toContain(`mesh ${command}`);
      }
    });

    it('refuses an unknown flag with exit code 2, as the bundle does', async () => {
      const r = await execa(linux, ['status', '--no-such-flag'], {
        reject: false,
        timeout: 15_000,
      });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  describe('win-x64', () => {
    it('is a PE file for x86-64', async () => {
      const file = await open(windows);
      try {
        const head = Buffer.alloc(4096);
        await file.read(head, 0, head.length, 0);
        expect(head.toString('latin1', 0, 2)).toBe('MZ');
        const pe = head.readUInt32LE(0x3c);
        expect(head.toString('latin1', pe, pe + 4)).toBe('PE\0\0');
        expect(head.readUInt16LE(pe + 4)).toBe(0x8664);
      } finally {
        await file.close();
      }
    });

    it('carries the SEA blob: the NODE_SEA_BLOB resource, the fuse flipped, the script inside', async () => {
      const exe = await readFile(windows);
      // PE resource names are UTF-16; postject turns the fuse's ":0" into ":1" when it injects.
      expect(exe.includes(Buffer.from('NODE_SEA_BLOB', 'utf16le'))).toBe(true);
      expect(exe.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
      expect(exe.includes('__meshImportMetaUrl')).toBe(true);
    });
  });
});
