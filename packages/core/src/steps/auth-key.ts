import { MeshError } from '../errors.js';

/** Rejects keys that cannot be right before anything is changed. */
export function validateAuthKey(key: string | undefined): string {
  const k = (key ?? '').trim();
  if (k === '') {
    throw new MeshError('no pre-auth key given', {
      kind: 'badInput',
      hint: 'pass --key-file FILE, pipe the key on stdin, or set MESH_AUTH_KEY (create one with mesh server keygen)',
    });
  }
  if (/\s/.test(k) || k.length < 16 || k.length > 200) {
    throw new MeshError(
      'the pre-auth key is malformed (expected one word, as mesh server keygen prints it)',
      {
        kind: 'badInput',
        hint: 'create a new key with mesh server keygen',
      },
    );
  }
  return k;
}
