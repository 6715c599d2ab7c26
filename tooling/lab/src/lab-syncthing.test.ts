import { expect, it } from 'vitest';
import { planLab } from './address-plan.js';
import { SYNCTHING_ENV, syncthingArgs, syncthingLabConfig } from './lab-syncthing.js';

it('generates without a default folder or port probing, and serves without its monitor', () => {
  expect(syncthingArgs('/h/.config/syncthing')).toEqual({
    generate: [
      'generate',
      '--home=/h/.config/syncthing',
      '--no-default-folder',
      '--skip-port-probing',
    ],
    serve: ['serve', '--home=/h/.config/syncthing', '--no-browser', '--no-restart', '--no-upgrade'],
  });
  expect(SYNCTHING_ENV).toEqual({
    STNOUPGRADE: '1',
    STNORESTART: '1',
    STMONITORED: 'yes',
    STNODEFAULTFOLDER: '1',
  });
});

it("configures the host's role ports and name", () => {
  const wsl = planLab('a1b2c3').hosts[1];
  if (!wsl) throw new Error('no wsl host');
  expect(syncthingLabConfig(wsl, 'k'.repeat(32))).toEqual({
    guiAddress: '127.0.0.1:8385',
    apiKey: 'k'.repeat(32),
    listenAddress: 'tcp://0.0.0.0:22001',
    deviceName: 'wsl',
  });
});
