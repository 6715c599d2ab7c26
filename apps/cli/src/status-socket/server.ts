import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import * as z from 'zod/mini';
import type { StatusFrame, StatusRequest } from './protocol.js';

const requestSchema = z.object({
  argv: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  cwd: z.string(),
  uid: z.nullable(z.int()),
  tty: z.object({ stdout: z.boolean(), stderr: z.boolean() }),
});

/** Where an answer's output goes, chunk by chunk, as `Output` streams. */
export interface AnswerStreams {
  stdout: { write(chunk: string): boolean; isTTY: boolean };
  stderr: { write(chunk: string): boolean; isTTY: boolean };
}

export interface ServeStatusOptions {
  socketPath: string;
  signal: AbortSignal;
  /** Runs the command for one request, printing to `streams`; resolves with its exit code. */
  answer: (request: StatusRequest, streams: AnswerStreams) => Promise<number>;
  onError?: (error: unknown) => void;
}

/** A request is one line; anything longer than this is not one of ours. */
const MAX_REQUEST = 1 << 20;

/**
 * Serves `mesh status` on a unix socket that only this process's user can open (0600 in the
 * 0700 state directory), until `signal` aborts. A caller of another user is sent back to run
 * the command itself: the report must be the one that user would get.
 */
export async function serveStatus(o: ServeStatusOptions): Promise<void> {
  await mkdir(path.dirname(o.socketPath), { recursive: true, mode: 0o700 });
  // A socket file left by an agent that was killed refuses connections; a new one replaces it.
  await rm(o.socketPath, { force: true });
  const server = createServer((socket) => {
    handle(socket, o).catch((error: unknown) => {
      o.onError?.(error);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => o.onError?.(error));
  await chmod(o.socketPath, 0o600);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    if (o.signal.aborted) stop();
    else o.signal.addEventListener('abort', stop, { once: true });
  });
}

async function handle(socket: Socket, o: ServeStatusOptions): Promise<void> {
  const line = await firstLine(socket);
  const send = (frame: StatusFrame) => socket.write(`${JSON.stringify(frame)}\n`);
  const parsed = requestSchema.safeParse(line === undefined ? undefined : safeJson(line));
  if (!parsed.success) {
    send({ fallback: 'not a status request' });
    socket.end();
    return;
  }
  const request = parsed.data;
  if (request.uid !== (process.getuid?.() ?? null)) {
    send({ fallback: 'asked by another user' });
    socket.end();
    return;
  }
  // At once, before the checks: a caller hears within a moment whether this agent is alive.
  send({ ack: true });
  const streams: AnswerStreams = {
    stdout: { write: (out) => send({ out }), isTTY: request.tty.stdout },
    stderr: { write: (err) => send({ err }), isTTY: request.tty.stderr },
  };
  const exit = await o.answer(request, streams);
  send({ exit });
  socket.end();
}

function firstLine(socket: Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buffer = '';
    socket.setEncoding('utf8');
    const onData = (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl >= 0 || buffer.length > MAX_REQUEST) {
        socket.off('data', onData);
        resolve(nl >= 0 ? buffer.slice(0, nl) : undefined);
      }
    };
    socket.on('data', onData);
    socket.once('end', () => resolve(undefined));
    socket.once('error', () => resolve(undefined));
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
