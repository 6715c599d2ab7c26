import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuthKey } from './auth-key.js';
import { capturedOutput } from './output/capture.js';

async function keyFile(mode: number): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'mesh-key-')), 'join.key');
  await writeFile(file, 'hskey-auth-abc\n');
  await chmod(file, mode);
  return file;
}

describe('readAuthKey --key-file', () => {
  it.skipIf(process.platform === 'win32')(
    'says so when others can read the file, and still uses it',
    async () => {
      const file = await keyFile(0o644);
      const { out, errText } = capturedOutput();
      expect(await readAuthKey({ keyFile: file }, out)).toBe('hskey-auth-abc');
      expect(errText()).toBe(
        `WARN: ${file} can be read by other users (mode 0644): chmod 600 ${file}\n`,
      );
    },
  );

  it('is quiet about a 0600 file', async () => {
    const { out, stderr } = capturedOutput();
    expect(await readAuthKey({ keyFile: await keyFile(0o600) }, out)).toBe('hskey-auth-abc');
    expect(stderr).toEqual([]);
  });
});
