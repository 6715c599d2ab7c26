import { describe, expect, it } from 'vitest';
import { createRunner } from './runner.js';

describe('createRunner', () => {
  it('captures output, passes input on stdin, and reports the exit code', async () => {
    const r = await createRunner().run('sh', ['-c', 'cat; echo err >&2; exit 3'], {
      input: 'in',
    });
    expect(r).toMatchObject({ exitCode: 3, stdout: 'in', stderr: 'err', timedOut: false });
  });

  it('with terminal: hands the terminal over and captures nothing', async () => {
    const r = await createRunner().run('sh', ['-c', 'exit 4'], { terminal: true });
    expect(r).toMatchObject({ exitCode: 4, stdout: '', stderr: '' });
  });

  it('adds its prefix and says which program could not start', async () => {
    const runner = createRunner(['env']);
    expect(runner.prefix).toEqual(['env']);
    expect((await runner.run('true', [])).exitCode).toBe(0);
    await expect(createRunner().run('/nonexistent/program', [])).rejects.toThrow(
      'could not run /nonexistent/program',
    );
  });
});
