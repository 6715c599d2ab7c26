import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../test/fake-machine.js';
import { advertiseMarker, discoverServerUrl, setAdvertise } from './discover.js';
import type { AnnouncedServer } from './mdns.js';

// No multicast leaves a unit test: what the LAN answers is given here.
let answers: AnnouncedServer[] = [];
vi.mock('./mdns.js', () => ({ browseServers: async () => answers }));

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

describe('server discovery', () => {
  it('takes the one server that answers, and names the choice when there are several', async () => {
    machine = await fakeMachine('wsl2', 'pc');
    const ctx = await machine.context();
    answers = [{ name: 'mesh on hub', url: 'http://10.99.0.1:8080', from: '10.99.0.1' }];
    expect(await discoverServerUrl(ctx, { timeoutMs: 10 })).toBe('http://10.99.0.1:8080');
    answers = [...answers, { name: 'mesh on lab', url: 'http://10.0.0.9:8080', from: null }];
    await expect(discoverServerUrl(ctx, { timeoutMs: 10 })).rejects.toMatchObject({
      message:
        '2 Mesh servers announce themselves here: mesh on hub (http://10.99.0.1:8080), mesh on lab (http://10.0.0.9:8080)',
      exitCode: 4,
    });
    answers = [];
    await expect(discoverServerUrl(ctx, { timeoutMs: 5000 })).rejects.toMatchObject({
      message: 'No Mesh server announced itself on this network within 5 s',
      exitCode: 5,
    });
  });

  it('remembers the choice to advertise, and says when it changed', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context();
    expect(await setAdvertise(ctx, false)).toBe(false);
    expect(await setAdvertise(ctx, true)).toBe(true);
    expect(await setAdvertise(ctx, true)).toBe(false);
    expect((await machine.tree()).some((f) => advertiseMarker(ctx).endsWith(f))).toBe(true);
    expect(await setAdvertise(ctx, false)).toBe(true);
  });
});
