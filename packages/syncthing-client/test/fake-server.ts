/** A real node:http server on 127.0.0.1:0 for wire-level client tests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Destroys open sockets (simulates a crash mid-response). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Responds with JSON plus Syncthing's identity headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  version = 'v1.19.2-ds1',
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-syncthing-version': version,
    'x-syncthing-id': 'P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2',
  });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Plain-text answer like Syncthing's REST errors. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  version = 'v1.19.2-ds1',
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-syncthing-version': version,
  });
  res.end(text);
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.destroy(error as Error);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that was free a moment ago and has nothing listening (connection refused). */
export async function freeClosedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
