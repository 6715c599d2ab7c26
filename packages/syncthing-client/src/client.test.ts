import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeServer,
  freeClosedPort,
  sendJson,
  sendText,
  startFakeServer,
} from '../test/fake-server.js';
import { SyncthingClient } from './client.js';
import {
  isSyncthingError,
  SyncthingAbortError,
  SyncthingAuthError,
  SyncthingConnectionError,
  SyncthingError,
  SyncthingHttpError,
  SyncthingInvalidResponseError,
  SyncthingNotFoundError,
  SyncthingTimeoutError,
  SyncthingUnsupportedError,
} from './errors.js';

const KEY = 'sekrit-api-key-123';
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const STATUS = {
  myID: 'P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2',
  uptime: 3,
  startTime: '2026-01-01T00:00:00Z',
  connectionServiceStatus: null,
  lastDialStatus: {},
  someFutureField: { nested: true },
};

function client(extra: Partial<ConstructorParameters<typeof SyncthingClient>[0]> = {}) {
  if (!server) throw new Error('no server');
  return new SyncthingClient({ baseUrl: server.url, apiKey: KEY, maxRetries: 0, ...extra });
}

describe('SyncthingClient wire behaviour', () => {
  it('sends the API key header, parses, passes unknown fields through and learns the version', async () => {
    server = await startFakeServer((req, res) => {
      if (req.headers['x-api-key'] !== KEY) return sendText(res, 403, 'CSRF Error');
      sendJson(res, 200, STATUS);
    });
    const c = client();
    const status = await c.system.status();
    expect(status.myID).toBe(STATUS.myID);
    expect(status.connectionServiceStatus).toEqual({}); // null normalised
    expect((status as Record<string, unknown>)['someFutureField']).toEqual({ nested: true });
    expect(c.knownVersion?.raw).toBe('v1.19.2-ds1');
    expect(c.knownDeviceId).toBe(STATUS.myID);
    expect(server.requests[0]?.url).toBe('/rest/system/status');
  });

  it('wrong key -> SyncthingAuthError with hint, key never in message', async () => {
    server = await startFakeServer((_req, res) => sendText(res, 403, 'CSRF Error'));
    const error = await client({ apiKey: 'wrong-key-xyz' })
      .system.status()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncthingAuthError);
    expect(error).toBeInstanceOf(SyncthingHttpError);
    expect(error).toBeInstanceOf(SyncthingError);
    expect(isSyncthingError(error)).toBe(true);
    const e = error as SyncthingAuthError;
    expect(e.status).toBe(403);
    expect(e.name).toBe('SyncthingAuthError');
    expect(e.method).toBe('GET');
    expect(e.hint).toMatch(/API key/);
    expect(e.message).toContain('403 CSRF Error');
    expect(e.message).not.toContain('wrong-key-xyz');
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('wrong-key-xyz');
  });

  it('encodes path segments and query values', async () => {
    server = await startFakeServer((req, res) => {
      if (req.url.startsWith('/rest/config/folders/')) {
        return sendJson(res, 200, { id: 'a b/c?d', path: '/x', devices: null });
      }
      sendJson(res, 200, { ignore: null, expanded: null, error: null });
    });
    const c = client();
    const folder = await c.config.folders.get('a b/c?d');
    expect(folder.devices).toEqual([]);
    expect(server.requests[0]?.url).toBe('/rest/config/folders/a%20b%2Fc%3Fd');
    const ignores = await c.db.ignores.get('f&x=1');
    expect(ignores).toEqual({ ignore: [], expanded: [], error: null });
    expect(server.requests[1]?.url).toBe('/rest/db/ignores?folder=f%26x%3D1');
    await c.db.scan({ folder: 'f', sub: ['a/b', 'c d'] });
    expect(server.requests[2]?.url).toBe('/rest/db/scan?folder=f&sub=a%2Fb&sub=c+d');
    expect(server.requests[2]?.method).toBe('POST');
  });

  it('sends JSON bodies for writes and accepts empty 200 answers', async () => {
    server = await startFakeServer((_req, res) => sendText(res, 200, ''));
    await client().config.devices.add({ deviceID: 'X', addresses: ['tcp://127.0.0.1:1'] });
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      deviceID: 'X',
      addresses: ['tcp://127.0.0.1:1'],
    });
    await client().config.options.update({ relaysEnabled: false });
    expect(server.requests[1]?.method).toBe('PATCH');
  });

  it('404 with an object message -> SyncthingNotFoundError', async () => {
    server = await startFakeServer((_req, res) => sendText(res, 404, 'No folder with given ID'));
    await expect(client().config.folders.get('nope')).rejects.toBeInstanceOf(
      SyncthingNotFoundError,
    );
  });

  it('route 404 on a gated endpoint -> SyncthingUnsupportedError, then no more requests', async () => {
    server = await startFakeServer((_req, res) => sendText(res, 404, '404 page not found'));
    const c = client();
    const error = await c.system.paths().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncthingUnsupportedError);
    expect((error as Error).message).toContain('needs Syncthing >= 1.21.0');
    expect((error as SyncthingUnsupportedError).serverVersion).toBe('v1.19.2-ds1');
    // Version now known: the gate fires before any request.
    await expect(c.noauth.health()).rejects.toBeInstanceOf(SyncthingUnsupportedError);
    expect(server.requests).toHaveLength(1);
  });

  it('2.x server: system.debug is gated off before the request', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 200, STATUS, 'v2.0.3'));
    const c = client();
    await c.system.status();
    await expect(c.system.debug()).rejects.toThrow(/needs Syncthing < 2\.0\.0/);
    expect(await c.supports('GET /rest/system/loglevels')).toBe(true);
  });

  it('malformed JSON and wrong shapes -> SyncthingInvalidResponseError', async () => {
    server = await startFakeServer((req, res) => {
      if (req.url === '/rest/system/status') return sendJson(res, 200, '{"myID": tru');
      sendJson(res, 200, { myID: 5 });
    });
    const c = client();
    const bad = await c.system.status().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SyncthingInvalidResponseError);
    expect((bad as Error).message).toMatch(/not JSON/);
    const shape = await c.system.version().catch((e: unknown) => e);
    expect(shape).toBeInstanceOf(SyncthingInvalidResponseError);
    expect((shape as SyncthingInvalidResponseError).issues.length).toBeGreaterThan(0);
  });

  it('unreachable port -> SyncthingConnectionError', async () => {
    const port = await freeClosedPort();
    const c = new SyncthingClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: KEY,
      maxRetries: 0,
    });
    const error = await c.system.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncthingConnectionError);
    expect((error as SyncthingConnectionError).code).toBe('ECONNREFUSED');
    expect((error as Error).message).not.toContain(KEY);
  });

  it('retries GETs on 503 and connection drops, never POSTs, never 500', async () => {
    let calls = 0;
    server = await startFakeServer((req, res) => {
      calls++;
      if (req.url === '/rest/system/ping' && calls < 3) return sendText(res, 503, 'busy');
      if (req.url === '/rest/system/error') return sendText(res, 500, 'nope');
      if (req.url === '/rest/system/version') {
        res.destroy();
        return;
      }
      if (req.method === 'POST') return sendText(res, 503, 'busy');
      sendJson(res, 200, { ping: 'pong' });
    });
    const c = client({ maxRetries: 2 });
    expect(await c.system.ping()).toEqual({ ping: 'pong' });
    expect(server.requests.filter((r) => r.url === '/rest/system/ping')).toHaveLength(3);
    await expect(c.system.restart()).rejects.toBeInstanceOf(SyncthingHttpError);
    expect(server.requests.filter((r) => r.url === '/rest/system/restart')).toHaveLength(1);
    await expect(c.system.errors()).rejects.toThrow(/500 nope/);
    expect(server.requests.filter((r) => r.url === '/rest/system/error')).toHaveLength(1);
    await expect(c.system.version()).rejects.toBeInstanceOf(SyncthingConnectionError);
    expect(server.requests.filter((r) => r.url === '/rest/system/version')).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    server = await startFakeServer((_req, res) => {
      if ((server?.requests.length ?? 0) === 1) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' });
        return void res.end('slow down');
      }
      sendJson(res, 200, { ping: 'pong' });
    });
    expect(await client({ maxRetries: 1 }).system.ping()).toEqual({ ping: 'pong' });
    expect(server.requests).toHaveLength(2);
  });

  it('timeout -> SyncthingTimeoutError (per call option)', async () => {
    server = await startFakeServer(() => {
      /* never answers */
    });
    const error = await client()
      .system.status({ timeout: 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncthingTimeoutError);
    expect((error as SyncthingTimeoutError).timeoutMs).toBe(150);
  });

  it('user abort -> SyncthingAbortError and no retry', async () => {
    server = await startFakeServer(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = client({ maxRetries: 5 })
      .system.status({ signal: controller.signal })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toBeInstanceOf(SyncthingAbortError);
    expect(server.requests).toHaveLength(1);
  });

  it('client-level signal aborts every call', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 200, { ping: 'pong' }));
    const controller = new AbortController();
    controller.abort();
    await expect(client({ signal: controller.signal }).system.ping()).rejects.toBeInstanceOf(
      SyncthingAbortError,
    );
  });

  it('redacts credentials in error URLs', async () => {
    const port = await freeClosedPort();
    const c = new SyncthingClient({
      baseUrl: `http://user:pw-secret@127.0.0.1:${port}`,
      apiKey: KEY,
      maxRetries: 0,
    });
    const error = (await c.system.ping().catch((e: unknown) => e)) as SyncthingError;
    expect(error.url).not.toContain('pw-secret');
    expect(error.message).not.toContain('pw-secret');
  });

  it('reaches a unix-socket GUI through the dispatcher option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-st-sock-'));
    const socketPath = join(dir, 'gui.sock');
    const unixServer = createServer((req, res) => {
      res.writeHead(req.headers['x-api-key'] === KEY ? 200 : 403, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ ping: 'pong' }));
    });
    await new Promise<void>((resolve) => unixServer.listen(socketPath, resolve));
    const agent = new Agent({ connect: { socketPath } });
    try {
      const c = new SyncthingClient({
        baseUrl: 'http://localhost',
        apiKey: KEY,
        dispatcher: agent,
      });
      expect(await c.system.ping()).toEqual({ ping: 'pong' });
    } finally {
      await agent.close();
      await new Promise((resolve) => unixServer.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('validates options early', () => {
    expect(() => new SyncthingClient({ baseUrl: 'localhost:8384', apiKey: KEY })).toThrow(/http/);
    expect(() => new SyncthingClient({ baseUrl: 'http://x', apiKey: '' })).toThrow(/apiKey/);
    expect(() => new SyncthingClient({ baseUrl: 'http://x', apiKey: 'k', timeout: -1 })).toThrow(
      /timeout/,
    );
  });

  it('svc.deviceId returns both 200 outcomes', async () => {
    server = await startFakeServer((req, res) =>
      req.url.includes('AAAA')
        ? sendJson(res, 200, { error: 'device ID invalid: incorrect length' })
        : sendJson(res, 200, { id: STATUS.myID }),
    );
    expect(await client().svc.deviceId('AAAA')).toEqual({
      error: 'device ID invalid: incorrect length',
    });
    expect(await client().svc.deviceId(STATUS.myID.toLowerCase())).toEqual({ id: STATUS.myID });
  });
});
