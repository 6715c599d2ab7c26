import { describe, expect, it } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import { agentLogsCommand } from './agent.js';

const { out } = capturedOutput();

describe('mesh agent logs', () => {
  it.each([Number.NaN, 0, -3, 2.5])('refuses -n %s as a usage error (exit 2)', async (lines) => {
    await expect(agentLogsCommand({ json: false, lines }, out)).rejects.toMatchObject({
      exitCode: 2,
      message: `--lines must be a whole number above 0, got ${String(lines)}`,
    });
  });
});
