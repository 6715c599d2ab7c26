import type { StatusKeeper } from '@mesh/core';
import { reportError } from '../boundary.js';
import { status } from '../commands/status.js';
import { Output } from '../output/output.js';
import type { StatusRequest } from './protocol.js';
import type { AnswerStreams } from './server.js';

/**
 * One `mesh status` for a caller: its flags, environment and directory, its streams; the
 * report from `keeper` (kept while fresh) when one is given.
 */
export async function answerStatus(
  request: StatusRequest,
  streams: AnswerStreams,
  keeper?: StatusKeeper,
): Promise<number> {
  const json = request.argv.includes('--json');
  const verbose = request.argv.includes('--verbose') || request.argv.includes('-v');
  const out = new Output({ json, streams, env: request.env });
  try {
    const caller = { env: request.env, cwd: request.cwd };
    return await status({ json, verbose }, out, caller, keeper);
  } catch (error) {
    return reportError(out, error, false);
  }
}
