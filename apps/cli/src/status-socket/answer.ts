import { reportError } from '../boundary.js';
import { status } from '../commands/status.js';
import { Output } from '../output/output.js';
import type { StatusRequest } from './protocol.js';
import type { AnswerStreams } from './server.js';

/** One `mesh status` run for a caller: its flags, environment and directory, its streams. */
export async function answerStatus(
  request: StatusRequest,
  streams: AnswerStreams,
): Promise<number> {
  const json = request.argv.includes('--json');
  const verbose = request.argv.includes('--verbose') || request.argv.includes('-v');
  const out = new Output({ json, streams, env: request.env });
  try {
    return await status({ json, verbose }, out, { env: request.env, cwd: request.cwd });
  } catch (error) {
    return reportError(out, error, false);
  }
}
