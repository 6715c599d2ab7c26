import tls from 'node:tls';

export interface ProbeCertificateOptions {
  host: string;
  port: number;
  /** Our own Syncthing certificate (PEM): Syncthing only completes handshakes with a client cert. */
  cert: string;
  /** Our own Syncthing key (PEM). */
  key: string;
  /** @default 3000 (ms) */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Opens a TLS connection to a Syncthing sync port and returns the DER of the certificate the
 * peer presents. Syncthing uses self-signed certificates, so there is nothing to verify here:
 * the SHA-256 of this DER *is* the device ID, and that is what the caller compares. The socket
 * is closed right after the handshake; no BEP message is sent.
 */
export function probeCertificate(o: ProbeCertificateOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
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
    const onAbort = () => finish(new Error('probe aborted'));
    const timer = setTimeout(
      () => finish(new Error(`TLS probe of ${o.host}:${o.port} timed out`)),
      o.timeout ?? 3000,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      if (!peer?.raw) finish(new Error(`${o.host}:${o.port} presented no certificate`));
      else finish(undefined, peer.raw);
    });
    socket.once('error', (e) => finish(e));
  });
}
