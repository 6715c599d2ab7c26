import { LabError } from './errors.js';

/**
 * socat argv that listens on a unix socket in the host's root directory (reachable from the
 * root namespace, since the filesystem is shared) and connects each client to `addr:port`
 * inside the namespace it runs in. The socket is 0600: only root uses it.
 */
export function forwardArgs(socketPath: string, port: number, addr = '127.0.0.1'): string[] {
  // socat splits addresses on ':' and ',' and treats '!!' specially.
  if (/[:,!\s]/.test(socketPath)) {
    throw new LabError(
      `forward socket path must not contain ':', ',', '!' or spaces: ${socketPath}`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new LabError(`forward port must be 1-65535, got ${port}`);
  }
  return [
    `UNIX-LISTEN:${socketPath},fork,mode=600,unlink-early`,
    `TCP:${addr.includes(':') ? `[${addr}]` : addr}:${port}`,
  ];
}
