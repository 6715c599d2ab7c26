import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes `content` to `file` with `mode` (0600 unless told), making its folders first. */
export async function put(file: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  await chmod(file, mode);
}
