import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askAgent } from './client.js';
import type { StatusRequest } from './protocol.js';
import { type AnswerStreams, serveStatus } from './server.js';

let dir: string;
let stop: AbortController;
let serving: Promise<void> | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-status-socket-'));
  stop = new AbortController();
});

afterEach(async () => {
  stop.abort();
  await serving;
  serving = undefined;
  await rm(dir, { recursive: true, force: true });
});

function collector() {
  const text = { out: '', err: '' };
  return {
    text,
    stdout: { write: (c: string) => (text.out += c) },
    stderr: { write: (c: string) => (text.err += c) },
  };
}

function request(over: Partial<StatusRequest> = {}): StatusRequest {
  return {
    argv: ['status', '--json'],
    env: { MESH_X: '1' },
    cwd: '/somewhere',
    uid: process.getuid?.() ?? null,
    tty: { stdout: true, stderr: false },
    ...over,
  };
}

async function serve(
  socketPath: string,
  answer: (r: StatusRequest, s: AnswerStreams) => Promise<number>,
): Promise<void> {
  serving = serveStatus({ socketPath, signal: stop.signal, answer });
  // serveStatus resolves only when stopped: wait until the socket is there.
  for (let i = 0; i < 100; i++) {
    if ((await stat(socketPath).catch(() => undefined))?.isSocket()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the socket never appeared');
}

describe('mesh status over the agent socket', () => {
  it("runs the caller's request and prints its output as it comes, with its exit code", async () => {
    const socketPath = path.join(dir, 'state', 'agent.sock');
    let seen: StatusRequest | undefined;
    await serve(socketPath, async (r, s) => {
      seen = r;
      s.stdout.write(`tty=${s.stdout.isTTY}\n`);
      s.stderr.write('... waiting\n');
      s.stdout.write('{"ok":false}\n');
      return 3;
    });
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(socketPath))).mode & 0o777).toBe(0o700);
    const c = collector();
    const code = await askAgent({ socketPath, request: request(), ...c });
    expect(code).toBe(3);
    // The socket closes after the answer: nothing more is printed then.
    await new Promise((r) => setTimeout(r, 50));
    expect(c.text).toEqual({ out: 'tty=true\n{"ok":false}\n', err: '... waiting\n' });
    expect(seen).toEqual(request());
  });

  it('sends a caller of another user back to run the command itself', async () => {
    const socketPath = path.join(dir, 'agent.sock');
    let asked = false;
    await serve(socketPath, async () => {
      asked = true;
      return 0;
    });
    const c = collector();
    const code = await askAgent({ socketPath, request: request({ uid: 12345 }), ...c });
    expect(code).toBeUndefined();
    expect(asked).toBe(false);
    expect(c.text).toEqual({ out: '', err: '' });
  });

  it('falls back when no agent listens: no socket, or one left by a killed agent', async () => {
    const c = collector();
    const socketPath = path.join(dir, 'agent.sock');
    expect(await askAgent({ socketPath, request: request(), ...c })).toBeUndefined();
    await writeFile(socketPath, '');
    expect(await askAgent({ socketPath, request: request(), ...c })).toBeUndefined();
    expect(c.text).toEqual({ out: '', err: '' });
  });

  it('replaces the socket file a killed agent left', async () => {
    const socketPath = path.join(dir, 'agent.sock');
    await writeFile(socketPath, 'stale');
    await serve(socketPath, async () => 0);
    expect(await askAgent({ socketPath, request: request(), ...collector() })).toBe(0);
  });

  it('falls back when the agent accepts but never acknowledges (stopped or stuck)', async () => {
    const socketPath = path.join(dir, 'agent.sock');
    // A listener that takes the connection and says nothing, as a SIGSTOPped agent does.
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(socketPath, r));
    try {
      const c = collector();
      const code = await askAgent({ socketPath, request: request(), ackTimeoutMs: 200, ...c });
      expect(code).toBeUndefined();
      expect(c.text).toEqual({ out: '', err: '' });
    } finally {
      silent.close();
    }
  });

  it('says so when the agent goes away in the middle of a report', async () => {
    const socketPath = path.join(dir, 'agent.sock');
    await serve(socketPath, async (_r, s) => {
      s.stdout.write('=== Environment ===\n');
      throw new Error('gone');
    });
    const c = collector();
    expect(await askAgent({ socketPath, request: request(), ...c })).toBe(1);
    expect(c.text.out).toBe('=== Environment ===\n');
    expect(c.text.err).toContain('stopped answering');
  });
});
