import { portPlan, rolePorts, windowsActions } from '@mesh/platform';
import { PRIVATE_SYNCTHING_OPTIONS, privateSyncthingConfig } from '@mesh/syncthing-client';
import { describe, expect, it } from 'vitest';
import { resolveMeshPaths } from '../paths.js';
import {
  DEFAULT_STIGNORE,
  SHARED_FOLDER_ID,
  SHARED_FOLDER_LABEL,
  SHARED_FOLDER_SETTINGS,
} from './constants.js';
import { meshWindowsIntent, windowsSetupScript } from './windows.js';
import { windowsSyncthingIntent } from './windows-syncthing.js';

describe('windowsSyncthingIntent: the Linux roles’ values, not copies', () => {
  it('the private options, folder ID, label, settings and .stignore', () => {
    const intent = windowsSyncthingIntent();
    expect(intent.options).toBe(PRIVATE_SYNCTHING_OPTIONS);
    expect(intent.folder).toEqual({
      id: SHARED_FOLDER_ID,
      label: SHARED_FOLDER_LABEL,
      path: 'C:\\shared',
      attributes: {
        type: SHARED_FOLDER_SETTINGS.type,
        fsWatcherEnabled: String(SHARED_FOLDER_SETTINGS.fsWatcherEnabled),
        fsWatcherDelayS: String(SHARED_FOLDER_SETTINGS.fsWatcherDelayS),
      },
      versioning: SHARED_FOLDER_SETTINGS.versioning,
      stignore: DEFAULT_STIGNORE,
    });
    expect(windowsSyncthingIntent('D:\\Work').folder.path).toBe('D:\\Work');
  });

  it('every <options> value the script enforces is what privateSyncthingConfig writes', () => {
    const generated =
      '<configuration version="37">\n    <device id="AAAA" name="x"></device>\n    <gui enabled="true" tls="false">\n' +
      '        <address>127.0.0.1:8384</address>\n    </gui>\n    <options>\n' +
      '        <listenAddress>default</listenAddress>\n    </options>\n</configuration>\n';
    const xml = privateSyncthingConfig(generated, { guiAddress: '127.0.0.1:8386' });
    for (const [k, v] of Object.entries(windowsSyncthingIntent().options)) {
      expect(xml).toContain(`<${k}>${v}</${k}>`);
    }
  });
});

describe('windowsSetupScript: Syncthing', () => {
  const script = windowsSetupScript({ serverUrl: 'http://10.0.0.1:8080', distro: 'Ubuntu' });

  it("uses the Windows role's ports from the one port table", () => {
    const ports = rolePorts('windows').ports;
    expect([ports.syncthingGui.port, ports.syncthingSync.port]).toEqual([
      portPlan('windows').syncthingGui,
      portPlan('windows').syncthingSync,
    ]);
    expect(script).toContain(
      `Invoke-MeshStep 'Syncthing config.xml: GUI 127.0.0.1:${ports.syncthingGui.port}, listen tcp://0.0.0.0:${ports.syncthingSync.port}, ` +
        'globalAnnounceEnabled=false localAnnounceEnabled=false relaysEnabled=false natEnabled=false startBrowser=false urAccepted=-1 autoUpgradeIntervalH=0 crashReportingEnabled=false',
    );
    expect(script).toContain("Invoke-MeshStep 'C:\\shared\\.stignore (only when missing)'");
    expect(script).toContain("Invoke-MeshStep 'Syncthing answering on 127.0.0.1:8386'");
  });

  it('the shared folder from MESH_SHARED_FOLDER_WINDOWS', () => {
    const other = windowsSetupScript({
      serverUrl: 'http://10.0.0.1:8080',
      sharedFolder: 'E:\\Mesh',
    });
    expect(other).toContain(
      "Invoke-MeshStep 'Syncthing folder opt-shared (Shared Workspace) at E:\\Mesh: type=sendreceive fsWatcherEnabled=true fsWatcherDelayS=1, simple versioning'",
    );
    expect(other).not.toContain('C:\\shared');
  });

  it('native setup leaves Syncthing to ensureSyncthing: no Syncthing action unless asked', () => {
    const ids = windowsActions(meshWindowsIntent({ serverUrl: 'http://10.0.0.1:8080' })).map(
      (a) => a.id,
    );
    expect(ids.filter((id) => id.includes('yncthing') && !id.startsWith('firewall:'))).toEqual([]);
  });
});

describe('resolveMeshPaths on Windows', () => {
  it("Syncthing's own home and the Windows shared folder, where the script puts them", () => {
    const p = resolveMeshPaths({
      platform: 'win32',
      env: { HOME: 'C:\\Users\\Jane Doe', LOCALAPPDATA: 'C:\\Users\\Jane Doe\\AppData\\Local' },
    });
    expect(p.syncthingHome).toBe('C:\\Users\\Jane Doe\\AppData\\Local\\Syncthing');
    expect(p.sharedFolder).toBe('C:\\shared');
    const set = resolveMeshPaths({
      platform: 'win32',
      env: {
        HOME: 'C:\\Users\\u',
        MESH_SHARED_FOLDER_WINDOWS: 'D:\\Work',
        MESH_SYNCTHING_HOME: 'D:\\st',
      },
    });
    expect([set.syncthingHome, set.sharedFolder]).toEqual(['D:\\st', 'D:\\Work']);
    expect(
      resolveMeshPaths({ platform: 'win32', env: { HOME: 'C:\\Users\\u' } }).syncthingHome,
    ).toBe('C:\\Users\\u\\AppData\\Local\\Syncthing');
  });

  it('Linux is as before', () => {
    const p = resolveMeshPaths({
      platform: 'linux',
      env: { HOME: '/home/u', MESH_SHARED_FOLDER_WINDOWS: 'D:\\x' },
    });
    expect(p.sharedFolder).toBe('/opt/shared');
  });
});
