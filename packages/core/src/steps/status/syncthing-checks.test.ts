import {
  type Connection,
  type Connections,
  type DeviceConfig,
  type FolderConfig,
  type FolderErrors,
  type FolderStatus,
  SyncthingConnectionError,
  SyncthingInvalidResponseError,
  SyncthingNotFoundError,
  SyncthingTimeoutError,
  type SystemStatus,
} from '@mesh/syncthing-client';
import { describe, expect, it } from 'vitest';
import {
  folderUnreadableCheck,
  listenerChecks,
  peerChecks,
  type SharedFolderAnswers,
  sharedFolderChecks,
  syncthingPeers,
  syncthingRunningCheck,
  Unanswered,
} from './syncthing-checks.js';

const SELF = 'SELFAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA';
const LAPTOP = 'LAPTOPB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB';
const WSL = 'WSLCCCC-CCCCCCC-CCCCCCC-CCCCCCC-CCCCCCC-CCCCCCC-CCCCCCC-CCCCCCC';
const SHARED = '/opt/shared';
const SETUP = 'mesh client setup --server URL --key-file FILE';

const device = (deviceID: string, name: string, paused = false): DeviceConfig => ({
  deviceID,
  name,
  addresses: ['dynamic'],
  paused,
  allowedNetworks: [],
  ignoredFolders: [],
});
const DEVICES = [device(SELF, 'hub'), device(LAPTOP, 'laptop'), device(WSL, 'wsl')];

const connection = (connected: boolean, address?: string): Connection => ({
  inBytesTotal: 0,
  outBytesTotal: 0,
  connected,
  paused: false,
  ...(address ? { address } : {}),
});
const connections = (c: Record<string, Connection>): Connections => ({
  connections: c,
  total: { inBytesTotal: 0, outBytesTotal: 0 },
});

const systemStatus = (listeners: SystemStatus['connectionServiceStatus'] = {}): SystemStatus => ({
  myID: SELF,
  uptime: 60,
  connectionServiceStatus: listeners,
  lastDialStatus: {},
});

const folderStatus = (o: Partial<FolderStatus> = {}): FolderStatus => ({
  globalBytes: 0,
  globalFiles: 0,
  localBytes: 0,
  localFiles: 0,
  needBytes: 0,
  needFiles: 0,
  sequence: 1,
  state: 'idle',
  ...o,
});
const folderConfig = (paused = false): FolderConfig => ({
  id: 'opt-shared',
  path: SHARED,
  devices: [{ deviceID: SELF }, { deviceID: LAPTOP }],
  paused,
});
const noErrors: FolderErrors = { folder: 'opt-shared', errors: [] };
const answers = (o: Partial<SharedFolderAnswers> = {}): SharedFolderAnswers => ({
  status: folderStatus(),
  config: folderConfig(),
  errors: noErrors,
  ...o,
});

describe('syncthingRunningCheck', () => {
  it('is ok when Syncthing answers on its GUI port', () => {
    expect(syncthingRunningCheck(true, 8384)).toEqual({
      section: 'syncthing',
      name: 'running',
      level: 'ok',
      message: 'Syncthing is running on port 8384',
    });
  });

  it('fails when it does not, and doctor starts it', () => {
    expect(syncthingRunningCheck(false, 8385)).toEqual({
      section: 'syncthing',
      name: 'running',
      level: 'fail',
      message: 'Syncthing is not running (port 8385)',
      fix: 'mesh doctor --fix starts it (no key needed)',
    });
  });
});

describe('listenerChecks', () => {
  it('has nothing to say when every listener works', () => {
    expect(
      listenerChecks(
        systemStatus({
          'tcp://0.0.0.0:22000': { error: null, lanAddresses: [], wanAddresses: [] },
        }),
      ),
    ).toEqual([]);
  });

  it('fails each listener whose port another program holds, naming the port to look at', () => {
    expect(
      listenerChecks(
        systemStatus({
          'tcp://0.0.0.0:22000': {
            error: 'listen tcp 0.0.0.0:22000: bind: address already in use',
            lanAddresses: [],
            wanAddresses: [],
          },
          'quic://0.0.0.0:22000': { lanAddresses: [], wanAddresses: [] },
        }),
      ),
    ).toEqual([
      {
        section: 'syncthing',
        name: 'listen',
        level: 'fail',
        message:
          'Syncthing cannot accept peers on tcp://0.0.0.0:22000: listen tcp 0.0.0.0:22000: bind: address already in use',
        fix: "free the port (ss -ltnp 'sport = :22000' shows who holds it), then mesh doctor --fix",
      },
    ]);
  });

  it('warns, with the reason, when the listeners cannot be read', () => {
    const error = new SyncthingTimeoutError('GET /rest/system/status timed out after 10000 ms');
    expect(listenerChecks(new Unanswered(error))).toEqual([
      {
        section: 'syncthing',
        name: 'listen',
        level: 'warn',
        message:
          'Whether Syncthing accepts peers is unknown: GET /rest/system/status timed out after 10000 ms',
      },
    ]);
  });
});

describe('syncthingPeers', () => {
  it('lists the other devices with their names and addresses, leaving this one out', () => {
    const conns = connections({
      [SELF]: connection(false),
      [LAPTOP]: connection(true, '100.64.0.3:22000'),
      [WSL]: connection(false),
      UNKNOWN: connection(false),
    });
    expect(syncthingPeers(conns, DEVICES, SELF)).toEqual([
      { deviceId: LAPTOP, name: 'laptop', connected: true, address: '100.64.0.3:22000' },
      { deviceId: WSL, name: 'wsl', connected: false },
      { deviceId: 'UNKNOWN', name: '', connected: false },
    ]);
  });
});

describe('peerChecks', () => {
  const peers = syncthingPeers(
    connections({ [LAPTOP]: connection(true), [WSL]: connection(false) }),
    DEVICES,
    SELF,
  );

  it('is ok with one peer connected and none paused', () => {
    expect(peerChecks(peers, DEVICES, SELF)).toEqual([
      { section: 'syncthing', name: 'peers', level: 'ok', message: 'Connected peers: 1/2' },
    ]);
  });

  it('warns when no peer is connected', () => {
    const down = peers.map((p) => ({ ...p, connected: false }));
    expect(peerChecks(down, DEVICES, SELF)).toEqual([
      { section: 'syncthing', name: 'peers', level: 'warn', message: 'Connected peers: 0/2' },
    ]);
    expect(peerChecks([], DEVICES, SELF)[0]).toMatchObject({
      level: 'warn',
      message: 'Connected peers: 0/0',
    });
  });

  it('fails paused devices, by name or short ID, never this one', () => {
    const devices = [
      device(SELF, 'hub', true),
      device(LAPTOP, 'laptop', true),
      device(WSL, '', true),
    ];
    expect(peerChecks(peers, devices, SELF)[1]).toEqual({
      section: 'syncthing',
      name: 'paused',
      level: 'fail',
      message: '2 device(s) paused, nothing syncs with them: laptop, WSLCCCC',
      fix: 'the mesh agent resumes them within 15 s (mesh agent status); or resume them in Syncthing',
    });
  });
});

describe('sharedFolderChecks', () => {
  it('is ok for an idle folder, and reports what it still needs', () => {
    expect(sharedFolderChecks(answers(), SHARED)).toEqual({
      checks: [
        { section: 'syncthing', name: 'folder', level: 'ok', message: 'Folder: opt-shared (idle)' },
      ],
      folder: { id: 'opt-shared', state: 'idle', needFiles: 0, needBytes: 0 },
    });
  });

  it('counts the files still needed while syncing, which is no failure', () => {
    const r = sharedFolderChecks(
      answers({ status: folderStatus({ state: 'syncing', needFiles: 12, needBytes: 4096 }) }),
      SHARED,
    );
    expect(r.checks).toEqual([
      {
        section: 'syncthing',
        name: 'folder',
        level: 'ok',
        message: 'Folder: opt-shared (syncing), 12 file(s) still needed',
      },
    ]);
    expect(r.folder).toEqual({
      id: 'opt-shared',
      state: 'syncing',
      needFiles: 12,
      needBytes: 4096,
    });
  });

  it('fails a paused folder', () => {
    expect(sharedFolderChecks(answers({ config: folderConfig(true) }), SHARED).checks).toEqual([
      {
        section: 'syncthing',
        name: 'folder-paused',
        level: 'fail',
        message: 'Folder opt-shared is paused: nothing in it syncs',
        fix: 'the mesh agent resumes it within 15 s (mesh agent status); or resume it in Syncthing',
      },
      { section: 'syncthing', name: 'folder', level: 'ok', message: 'Folder: opt-shared (idle)' },
    ]);
  });

  it("fails a stopped folder with Syncthing's reason", () => {
    const status = folderStatus({
      state: 'error',
      error:
        'folder marker missing (this indicates potential data loss, search docs/forum to get information on how to proceed)',
    });
    expect(sharedFolderChecks(answers({ status }), SHARED).checks).toEqual([
      {
        section: 'syncthing',
        name: 'folder-errors',
        level: 'fail',
        message:
          'Folder opt-shared stopped: folder marker missing (this indicates potential data loss, search docs/forum to get information on how to proceed)',
        fix: 'fix the cause in /opt/shared (space, permissions, the .stfolder marker); Syncthing retries by itself',
      },
      {
        section: 'syncthing',
        name: 'folder',
        level: 'fail',
        message: 'Folder: opt-shared (error)',
      },
    ]);
  });

  it('fails files that cannot sync, naming the first and its reason', () => {
    const errors: FolderErrors = {
      folder: 'opt-shared',
      errors: [
        { path: 'docs/report.pdf', error: 'open docs/report.pdf: permission denied' },
        { path: 'docs/b.txt', error: 'no space left on device' },
      ],
    };
    expect(sharedFolderChecks(answers({ errors }), SHARED).checks[0]).toEqual({
      section: 'syncthing',
      name: 'folder-errors',
      level: 'fail',
      message:
        '2 file(s) of opt-shared cannot sync, e.g. docs/report.pdf: open docs/report.pdf: permission denied',
      fix: 'fix the cause in /opt/shared (space, permissions, the .stfolder marker); Syncthing retries by itself',
    });
  });

  it('warns, with the reason, when the error list of a running folder cannot be read', () => {
    const error = new SyncthingConnectionError(
      'GET http://127.0.0.1:8384/rest/folder/errors?folder=opt-shared failed: socket hang up',
    );
    expect(sharedFolderChecks(answers({ errors: new Unanswered(error) }), SHARED).checks).toEqual([
      {
        section: 'syncthing',
        name: 'folder-errors',
        level: 'warn',
        message:
          'Which files of opt-shared cannot sync is unknown: GET http://127.0.0.1:8384/rest/folder/errors?folder=opt-shared failed: socket hang up',
      },
      { section: 'syncthing', name: 'folder', level: 'ok', message: 'Folder: opt-shared (idle)' },
    ]);
  });

  it('says nothing more of a missing error list when the folder is paused or stopped', () => {
    const error = new SyncthingNotFoundError(404, 'folder is paused');
    const paused = sharedFolderChecks(
      answers({ config: folderConfig(true), errors: new Unanswered(error) }),
      SHARED,
    );
    expect(paused.checks.map((c) => c.name)).toEqual(['folder-paused', 'folder']);
    const stopped = sharedFolderChecks(
      answers({
        status: folderStatus({ state: 'error', error: 'disk full' }),
        errors: new Unanswered(error),
      }),
      SHARED,
    );
    expect(stopped.checks.map((c) => `${c.level} ${c.name}`)).toEqual([
      'fail folder-errors',
      'fail folder',
    ]);
  });
});

describe('folderUnreadableCheck', () => {
  it('a folder Syncthing does not have (404) is not configured: setup adds it', () => {
    const error = new SyncthingNotFoundError(404, 'No folder with given ID', {
      url: 'http://127.0.0.1:8384/rest/config/folders/opt-shared',
    });
    expect(folderUnreadableCheck(error, SETUP)).toEqual({
      section: 'syncthing',
      name: 'folder',
      level: 'fail',
      message: 'Folder opt-shared is not configured',
      fix: SETUP,
    });
  });

  it('any other failure is named, not taken for a missing folder', () => {
    const timeout = new SyncthingTimeoutError(
      'GET http://127.0.0.1:8384/rest/db/status?folder=opt-shared timed out after 10000 ms',
      { hint: 'Syncthing may be busy scanning; try again' },
    );
    expect(folderUnreadableCheck(timeout, SETUP)).toEqual({
      section: 'syncthing',
      name: 'folder',
      level: 'fail',
      message:
        'Folder opt-shared cannot be read from Syncthing: GET http://127.0.0.1:8384/rest/db/status?folder=opt-shared timed out after 10000 ms',
      fix: 'Syncthing may be busy scanning; try again',
    });
    const invalid = new SyncthingInvalidResponseError(
      'GET /rest/db/status: unexpected answer: state: expected string',
    );
    expect(folderUnreadableCheck(invalid, SETUP)).toEqual({
      section: 'syncthing',
      name: 'folder',
      level: 'fail',
      message:
        'Folder opt-shared cannot be read from Syncthing: GET /rest/db/status: unexpected answer: state: expected string',
      fix: 'check that Syncthing (not another program) answers at its GUI address',
    });
  });

  it('names a plain error too', () => {
    expect(folderUnreadableCheck(new Error('boom'), SETUP)).toMatchObject({
      level: 'fail',
      message: 'Folder opt-shared cannot be read from Syncthing: boom',
    });
  });
});
