import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { LocalApiClient } from '../../src/local-api.js';

/** One request the fake daemon received. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (
  req: SeenRequest,
  res: ServerResponse,
) => void | Promise<void> | { status?: number; json?: unknown; text?: string };

/**
 * A stand-in for tailscaled's LocalAPI: a real node:http server on a unix socket in a temp dir,
 * answering `METHOD /localapi/v0/name` from a handler table and recording every request.
 */
export class FakeLocalApi {
  readonly requests: SeenRequest[] = [];
  readonly handlers = new Map<string, Handler>();
  /** Open IPN-bus responses, so tests can push notifications. */
  readonly buses = new Set<ServerResponse>();
  socketPath = '';
  /** What a new bus stream gets first when its mask has InitialState (2), like tailscaled. */
  initial: () => unknown = () => ({ Version: 'fake', State: 2 });
  #server: Server | undefined;
  #dir = '';

  static async start(handlers: Record<string, Handler> = {}): Promise<FakeLocalApi> {
    const f = new FakeLocalApi();
    for (const [k, v] of Object.entries(handlers)) f.handlers.set(k, v);
    f.#dir = await mkdtemp(join(tmpdir(), 'mesh-fake-lapi-'));
    f.socketPath = join(f.#dir, 'tailscaled.sock');
    f.#server = createServer((req, res) => void f.#handle(req, res));
    await new Promise<void>((resolve) => f.#server?.listen(f.socketPath, resolve));
    return f;
  }

  on(key: string, handler: Handler): this {
    this.handlers.set(key, handler);
    return this;
  }

  /** Sends one notification to every open IPN-bus stream. */
  push(notify: unknown): void {
    for (const res of this.buses) res.write(`${JSON.stringify(notify)}\n`);
  }

  /** Requests made to `METHOD name` (path without the /localapi/v0/ prefix). */
  seen(key: string): SeenRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === key);
  }

  async close(): Promise<void> {
    for (const res of this.buses) res.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/^\/localapi\/v0\//, ''),
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(seen);
    // Like tailscaled: browsers (Origin) are refused and only one Host is accepted.
    if (req.headers.origin || req.headers.host !== 'local-tailscaled.sock') {
      res.writeHead(403).end('invalid localapi request\n');
      return;
    }
    if (seen.path === 'watch-ipn-bus' && !this.handlers.has('GET watch-ipn-bus')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      this.buses.add(res);
      if (Number(seen.query.get('mask') ?? 0) & 2) res.write(`${JSON.stringify(this.initial())}\n`);
      res.on('close', () => this.buses.delete(res));
      return;
    }
    const handler = this.handlers.get(`${seen.method} ${seen.path}`);
    if (!handler) {
      res.writeHead(404).end(`no handler for ${seen.method} ${seen.path}\n`);
      return;
    }
    const out = await handler(seen, res);
    if (out && !res.headersSent) {
      const body = out.json === undefined ? (out.text ?? '') : JSON.stringify(out.json);
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' }).end(body);
    }
  }
}

/**
 * A fresh fake daemon and a client of it for each test of the calling file, both closed after
 * it; `use` receives them before the test runs.
 */
export function fakeLocalApiPerTest(
  use: (fake: FakeLocalApi, client: LocalApiClient) => void,
  clientTimeoutMs = 2_000,
): void {
  let fake: FakeLocalApi | undefined;
  let client: LocalApiClient | undefined;
  beforeEach(async () => {
    fake = await FakeLocalApi.start();
    client = new LocalApiClient({ socketPath: fake.socketPath, timeout: clientTimeoutMs });
    use(fake, client);
  });
  afterEach(async () => {
    await client?.close();
    await fake?.close();
  });
}
