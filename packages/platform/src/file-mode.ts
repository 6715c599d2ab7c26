import { stat } from 'node:fs/promises';

/**
 * The permission bits of `file` when its group or other users have any (a key file should be
 * its owner's alone), else undefined. Windows files have no such bits: undefined there.
 */
export async function modeOpenToOthers(
  file: string,
  platform: NodeJS.Platform = process.platform,
): Promise<number | undefined> {
  if (platform === 'win32') return undefined;
  const mode = (await stat(file)).mode & 0o777;
  return mode & 0o077 ? mode : undefined;
}
