/**
 * Asking a Syncthing sync port who it is, without the REST API: the device ID is the SHA-256 of
 * the certificate a peer presents in the TLS handshake, so one handshake tells it.
 */
import tls from 'node:tls';
import { deviceIdFromCertificate } from './device-id.js';
import { SyncthingAbortError, SyncthingConnectionError, SyncthingTimeoutError } from './errors.js';

/** Options of {@link probeDeviceId} and {@link probeCertificate}. */
export interface ProbeDeviceIdOptions {
  /** Address of the peer's sync port (an IP literal or a name). */
  host: string;
  /** Its sync (BEP) port, e.g. 22000. */
  port: number;
  /** Our own Syncthing certificate (PEM): Syncthing only completes handshakes with a client cert. */
  cert: string;
  /** Our own Syncthing key (PEM). A secret: it is never put in an error. */
  key: string;
  /** Milliseconds for connect plus handshake. @default 3000 */
  timeout?: number;
  /** Aborts the probe (rejects with {@link SyncthingAbortError}). */
  signal?: AbortSignal;
}

/**
 * Opens a TLS connection to a Syncthing sync port and returns the DER of the certificate the
 * peer presents. Syncthing uses self-signed certificates, so there is nothing to verify here:
 * the SHA-256 of this DER *is* the device ID, and that is what the caller compares. The socket
 * is closed right after the handshake; no BEP message is sent.
 * @throws {SyncthingConnectionError} refused, reset, no certificate
 * @throws {SyncthingTimeoutError} no handshake within `timeout`
 * @throws {SyncthingAbortError} `signal` aborted
 */
export function probeCertificate(o: ProbeDeviceIdOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const where = `${o.host}:${o.port}`;
    if (o.signal?.aborted) {
      reject(new SyncthingAbortError(`TLS probe of ${where} aborted`, { cause: o.signal.reason }));
      return;
    }
    const socket = tls.connect({
      host: o.host,
      port: o.port,
      cert: o.cert,
      key: o.key,
      // Self-signed by design: identity is the certificate hash, checked by the caller.
      rejectUnauthorized: false,
      ALPNProtocols: ['bep/1.0'],
      servername: 'syncthing',
      minVersion: 'TLSv1.2',
    });
    let settled = false;
    const finish = (error: Error | undefined, der?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(der as Buffer);
    };
    const onAbort = () =>
      finish(new SyncthingAbortError(`TLS probe of ${where} aborted`, { cause: o.signal?.reason }));
    const timeout = o.timeout ?? 3000;
    const timer = setTimeout(
      () =>
        finish(
          new SyncthingTimeoutError(`TLS probe of ${where} timed out`, { timeoutMs: timeout }),
        ),
      timeout,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      if (!peer?.raw) finish(new SyncthingConnectionError(`${where} presented no certificate`));
      else finish(undefined, peer.raw);
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      finish(
        new SyncthingConnectionError(`TLS probe of ${where} failed: ${e.message}`, {
          cause: e,
          code: e.code,
          hint: 'is Syncthing running there, and is its sync port reachable?',
        }),
      ),
    );
  });
}

/** The device ID of the Syncthing listening on `host:port` (see {@link probeCertificate}). */
export async function probeDeviceId(o: ProbeDeviceIdOptions): Promise<string> {
  return deviceIdFromCertificate(await probeCertificate(o));
}
