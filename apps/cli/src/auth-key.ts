import { readFile } from 'node:fs/promises';
import { MeshError } from '@mesh/core';
import { modeOpenToOthers } from '@mesh/platform';
import type { Output } from './output/output.js';

export interface KeySources {
  keyFile?: string | undefined;
  key?: string | undefined;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A key file others can read is a key others may have used: said on stderr, then used (the
 * key may be on its way out anyway).
 */
async function warnIfOthersCanRead(file: string, out: Output): Promise<void> {
  const mode = await modeOpenToOthers(file);
  if (mode !== undefined) {
    out.warnErr(
      `${file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}`,
    );
  }
}

/**
 * Where the pre-auth key comes from, in order: `--key-file`, `--key` (with a warning: argv is
 * visible to every user), `MESH_AUTH_KEY`, standard input when it is not a terminal. Returns
 * undefined when there is none (core then says what to do).
 */
export async function readAuthKey(sources: KeySources, out: Output): Promise<string | undefined> {
  if (sources.keyFile !== undefined) {
    try {
      const key = (await readFile(sources.keyFile, 'utf8')).trim();
      await warnIfOthersCanRead(sources.keyFile, out);
      return key;
    } catch (error) {
      throw new MeshError(
        `cannot read --key-file ${sources.keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        {
          kind: 'badInput',
          hint: 'check the path (the file is written by mesh server keygen --json)',
        },
      );
    }
  }
  if (sources.key !== undefined) {
    out.warnErr(
      '--key puts the key on the command line, where other users can see it (ps); prefer --key-file, stdin or MESH_AUTH_KEY',
    );
    return sources.key.trim();
  }
  const fromEnv = process.env['MESH_AUTH_KEY'];
  if (fromEnv) return fromEnv.trim();
  if (!process.stdin.isTTY) {
    const text = (await readStdin()).trim();
    if (text) return text;
  }
  return undefined;
}
