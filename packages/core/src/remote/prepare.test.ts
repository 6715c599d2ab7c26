import type { RunOptions } from '@mesh/platform';
import { afterEach, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { addHost } from '../hosts/commands.js';
import { prepareHost } from './prepare.js';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

it('mesh remote prepare runs ssh on this terminal, asking (no batch mode), and gives its exit code', async () => {
  machine = await fakeMachine('server', 'hub');
  const ctx = await machine.context({ MESH_DEFAULT_USER: 'nobody', MESH_WSL2_HOSTNAMES: 'wsl' });
  await addHost(ctx, { name: 'wsl', ip: '100.64.0.2' });
  const seen: Array<{ argv: string[]; options: RunOptions | undefined }> = [];
  const code = await prepareHost(
    {
      ...ctx,
      runner: {
        prefix: [],
        async run(file, args, options) {
          seen.push({ argv: [file, ...args], options });
          return { command: file, exitCode: 0, stdout: '', stderr: '', timedOut: false };
        },
      },
    },
    'wsl',
  );
  expect(code).toBe(0);
  expect(seen).toHaveLength(1);
  const [call] = seen;
  expect(call?.argv.slice(0, 2)).toEqual(['ssh', '-t']);
  expect(call?.argv).not.toContain('BatchMode=yes');
  expect(call?.argv.join(' ')).toContain('visudo -c');
  expect(call?.options).toMatchObject({ terminal: true });
});
