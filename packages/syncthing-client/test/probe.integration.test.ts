/** The TLS probe against a real, private Syncthing on loopback. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  probeCertificate,
  probeDeviceId,
  SyncthingAbortError,
  SyncthingConnectionError,
} from '../src/index.js';
import { freePort, SyncthingInstance, syncthingAvailable } from './syncthing-instance.js';

const available = syncthingAvailable();
if (!available.ok) console.warn(`[syncthing-client] SKIPPING probe tests: ${available.reason}`);

describe.skipIf(!available.ok)('probeDeviceId against real syncthing', () => {
  let peer: SyncthingInstance;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    peer = await SyncthingInstance.start({ name: 'probed' });
    // Any Syncthing identity works as the client side; the peer's own is at hand.
    cert = await readFile(join(peer.home, 'cert.pem'), 'utf8');
    key = await readFile(join(peer.home, 'key.pem'), 'utf8');
  }, 60_000);
  afterAll(() => peer?.dispose(), 30_000);

  it('reads the device ID from the sync port handshake', async () => {
    const id = await probeDeviceId({ host: '127.0.0.1', port: peer.syncPort, cert, key });
    expect(id).toBe(peer.deviceId);
    const der = await probeCertificate({ host: '127.0.0.1', port: peer.syncPort, cert, key });
    expect(der.length).toBeGreaterThan(100);
  });

  it('fails with SyncthingConnectionError where nothing listens', async () => {
    const port = await freePort();
    await expect(probeDeviceId({ host: '127.0.0.1', port, cert, key })).rejects.toBeInstanceOf(
      SyncthingConnectionError,
    );
  });

  it('fails with SyncthingAbortError when the signal aborts, and keeps the key out', async () => {
    const error = await probeDeviceId({
      host: '127.0.0.1',
      port: peer.syncPort,
      cert,
      key,
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncthingAbortError);
    expect(String(error)).not.toContain('PRIVATE KEY');
  });
});
