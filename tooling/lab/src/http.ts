import { Agent, type Dispatcher, request } from 'undici';

const agents = new Map<string, Agent>();

/** An undici dispatcher that sends every request through `socketPath` (a lab forward). */
export function socketDispatcher(socketPath: string): Dispatcher {
  let agent = agents.get(socketPath);
  if (!agent) {
    agent = new Agent({ connect: { socketPath } });
    agents.set(socketPath, agent);
  }
  return agent;
}

/** Closes the dispatchers of these sockets (all when omitted). */
export async function closeDispatchers(socketPaths?: readonly string[]): Promise<void> {
  const keys = socketPaths ?? [...agents.keys()];
  await Promise.all(
    keys.map(async (k) => {
      const a = agents.get(k);
      agents.delete(k);
      await a?.destroy().catch(() => undefined);
    }),
  );
}

export interface SocketGetOptions {
  headers?: Record<string, string>;
  /** @default 5000 (ms) */
  timeout?: number;
  signal?: AbortSignal;
}

/** GET `path` through a forwarded unix socket. Resolves with status and body text. */
export async function socketGet(
  socketPath: string,
  path: string,
  o: SocketGetOptions = {},
): Promise<{ status: number; body: string }> {
  const timeout = AbortSignal.timeout(o.timeout ?? 5000);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const res = await request(`http://localhost${path}`, {
    method: 'GET',
    dispatcher: socketDispatcher(socketPath),
    ...(o.headers ? { headers: o.headers } : {}),
    signal,
  });
  return { status: res.statusCode, body: await res.body.text() };
}
