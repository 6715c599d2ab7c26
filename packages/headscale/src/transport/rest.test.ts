import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadscaleClient } from '../client.js';
import { HeadscaleApiError, HeadscaleAuthError } from '../errors.js';

let server: Server | undefined;

/**
 * A server on 127.0.0.1 that answers `/health` with `status` and `body`, and 404 elsewhere
 * (as Headscale before 0.27 does for `/version`, and as most web servers do).
 */
async function answering(status: number, body: string): Promise<string> {
  server = createServer((req, res) => {
    if (req.url !== '/health') res.writeHead(404).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('health over REST', () => {
  it.each([
    ['Headscale, healthy', 200, '{"status":"pass"}', { ok: true, httpStatus: 200, status: 'pass' }],
    ['Headscale without its database', 500, '{"status":"fail"}', { ok: false, status: 'fail' }],
    ['another JSON service', 200, '{"ok":false}', { ok: false, httpStatus: 200 }],
    ['a web page', 404, '<html>not found</html>', { ok: false, httpStatus: 404 }],
  ])('%s', async (_name, status, body, expected) => {
    const url = await answering(status, body);
    const h = await new HeadscaleClient({ rest: { url } }).health();
    expect(h).toMatchObject(expected);
    if (!('status' in expected)) expect(h.status).toBeUndefined();
  });
});

describe('auth failures over REST', () => {
  async function usersAnswer(status: number, body: string): Promise<HeadscaleClient> {
    server = createServer((_req, res) => res.writeHead(status).end(body));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new HeadscaleClient({ rest: { url, apiKey: 'hskey-api-x-y' }, version: '0.26.1' });
  }

  it.each([
    ['401', 401, 'Unauthorized', HeadscaleAuthError],
    [
      '0.26: 500 with the body Unauthorized (a key it cannot look up)',
      500,
      'Unauthorized',
      HeadscaleAuthError,
    ],
    ['any other 500', 500, '{"code":13,"message":"boom","details":[]}', HeadscaleApiError],
  ])('%s', async (_name, status, body, kind) => {
    const client = await usersAnswer(status, body);
    const err = await client.users.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(kind);
  });
});
