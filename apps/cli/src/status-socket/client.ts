import { connect } from 'node:net';
import type { StatusFrame, StatusRequest } from './protocol.js';

export interface AskOptions {
  socketPath: string;
  request: StatusRequest;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /**
   * How long the agent may take to acknowledge the request. A stopped or stuck agent is still
   * connected to (the kernel accepts for it), so silence is what tells it. @default 1000
   */
  ackTimeoutMs?: number;
  /** How long the whole answer may take. @default 120000 */
  answerTimeoutMs?: number;
}

/**
 * Asks the agent for the report and prints it as it arrives. Resolves with the exit code, or
 * `undefined` when the caller must run the command itself: no agent, an agent that declines,
 * or one that went away before printing anything.
 */
export function askAgent(o: AskOptions): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(o.socketPath);
    let printed = false;
    let settled = false;
    let buffer = '';
    const finish = (code: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(ackTimer);
      clearTimeout(answerTimer);
      socket.destroy();
      resolve(code);
    };
    const broken = () => {
      // The socket closes after every answer, the agent's exit frame included.
      if (settled) return;
      if (!printed) return finish(undefined);
      o.stderr.write('ERROR: the mesh agent stopped answering in the middle of the report\n');
      o.stderr.write('Hint: run mesh status again\n');
      finish(1);
    };
    const ackTimer = setTimeout(broken, o.ackTimeoutMs ?? 1000);
    const answerTimer = setTimeout(broken, o.answerTimeoutMs ?? 120_000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(o.request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const frame = parseFrame(line);
        if (frame === undefined) return broken();
        if ('ack' in frame) clearTimeout(ackTimer);
        else if ('out' in frame) {
          printed = true;
          o.stdout.write(frame.out);
        } else if ('err' in frame) {
          printed = true;
          o.stderr.write(frame.err);
        } else if ('exit' in frame) return finish(frame.exit);
        else return printed ? broken() : finish(undefined);
      }
    });
    socket.on('error', broken);
    socket.on('close', broken);
  });
}

// Checked by hand, not with zod: this runs before the CLI loads, and loading zod here would
// cost a good part of what asking the agent saves. The agent checks requests with zod.
function parseFrame(line: string): StatusFrame | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const f = v as Record<string, unknown>;
    if (f['ack'] === true) return { ack: true };
    if (typeof f['out'] === 'string') return { out: f['out'] };
    if (typeof f['err'] === 'string') return { err: f['err'] };
    if (typeof f['exit'] === 'number' && Number.isInteger(f['exit'])) return { exit: f['exit'] };
    if (typeof f['fallback'] === 'string') return { fallback: f['fallback'] };
    return undefined;
  } catch {
    return undefined;
  }
}
