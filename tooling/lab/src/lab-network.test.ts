import { expect, it } from 'vitest';
import { planLab } from './address-plan.js';
import { bridgePortArgs } from './lab-network.js';

it("sets the host's port on the bridge, in the bridge's namespace", () => {
  const plan = planLab('a1b2c3');
  const wsl = plan.hosts[1];
  if (!wsl) throw new Error('no wsl host');
  expect(bridgePortArgs(plan, wsl, false)).toEqual([
    '-n',
    'mesh-a1b2c3-sw',
    'link',
    'set',
    'mesh-a1b2c3-p1',
    'down',
  ]);
  expect(bridgePortArgs(plan, wsl, true).at(-1)).toBe('up');
});
