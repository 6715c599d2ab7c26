import type { Argv } from 'yargs';

/** A positional the command cannot run without, e.g. the `<node>` of `server nodes expire`. */
export const requiredString = { type: 'string', demandOption: true } as const;

/** `--key-file` and `--key`, one or the other: the pre-auth key that joins a machine. */
export function keyOptions<T>(y: Argv<T>) {
  return y
    .option('key-file', { type: 'string', describe: 'Read the pre-auth key from this file' })
    .option('key', {
      alias: 'k',
      type: 'string',
      describe:
        'The pre-auth key (visible to other users in the process list: prefer --key-file, stdin or MESH_AUTH_KEY)',
    })
    .conflicts('key', 'key-file');
}

/** `--binary`: the mesh that provisioning copies over. */
export const binaryOption = {
  type: 'string',
  describe:
    'The single-file mesh to copy to a machine that has none (default: this mesh, when it is one)',
} as const;
