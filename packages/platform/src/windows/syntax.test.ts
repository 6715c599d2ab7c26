import { describe, expect, it } from 'vitest';
import { windowsServiceCommands } from '../services/windows.js';
import { elevatedRunCommand } from '../wsl/interop.js';
import { SYNCTHING_INTENT } from './__fixtures__/syncthing-intent.js';
import { type WindowsIntent, windowsActions } from './actions.js';
import type { Command } from './powershell.js';
import { powershellSyntaxErrors } from './powershell-syntax.js';
import { renderWindowsScript } from './script.js';

/** Every value of each part of an intent, the awkward ones included (spaces, quotes, braces). */
const PARTS = {
  install: [undefined, ['Tailscale.Tailscale', 'Syncthing.Syncthing']],
  firewall: [undefined, true, [{ displayName: "Bob's rule", protocol: 'UDP', port: 1 }]],
  syncthing: [
    undefined,
    SYNCTHING_INTENT,
    {
      ...SYNCTHING_INTENT,
      user: "o'brien",
      folder: { ...SYNCTHING_INTENT.folder, path: "D:\\Jane O'Neil\\{shared} $x" },
    },
  ],
  wslAutoStart: [undefined, { distro: 'Ubuntu-22.04' }, { distro: 'Debian', user: "o'brien" }],
  agent: [
    undefined,
    { program: 'C:\\Tools\\mesh.exe', args: ['agent', 'run'] },
    {
      program: 'C:\\Program Files\\nodejs\\node.exe',
      args: ["C:\\Users\\Jane O'Neil\\{npm}\\mesh.js", 'agent', 'run'],
      user: "o'brien",
    },
  ],
  tailscale: [
    undefined,
    { loginUrl: 'https://hs.example.test/' },
    { loginUrl: 'http://10.0.0.1:8080', authKey: '', unattended: false, daemonEnv: { A: "it's" } },
  ],
} satisfies { [K in keyof WindowsIntent]-?: Array<WindowsIntent[K] | undefined> };

function* intents(): Generator<WindowsIntent> {
  const keys = Object.keys(PARTS) as Array<keyof typeof PARTS>;
  const walk = function* (i: number, intent: WindowsIntent): Generator<WindowsIntent> {
    const key = keys[i];
    if (key === undefined) {
      yield intent;
      return;
    }
    for (const value of PARTS[key] as unknown[]) {
      yield* walk(i + 1, value === undefined ? intent : { ...intent, [key]: value });
    }
  };
  yield* walk(0, {});
}

/** The script a `powershell.exe -Command` call runs. */
function commandScript(c: Command): string | undefined {
  if (c.file !== 'powershell.exe') return undefined;
  const i = c.args.indexOf('-Command');
  return i < 0 ? undefined : c.args[i + 1];
}

async function expectParses(source: string, what: string): Promise<void> {
  const errors = await powershellSyntaxErrors(source);
  expect(errors, `${what}:\n${source.slice(0, 400)}`).toEqual([]);
}

describe('the PowerShell Mesh generates parses with the PowerShell grammar', () => {
  it('every rendered script, for every combination of intent parts', async () => {
    let n = 0;
    for (const intent of intents()) {
      await expectParses(renderWindowsScript(intent), JSON.stringify(intent));
      n++;
    }
    expect(n).toBe(2 * 3 * 3 * 3 * 3 * 3);
  });

  it('every check and apply command run through powershell.exe', async () => {
    const all = {
      install: ['Syncthing.Syncthing'],
      firewall: true,
      ...Object.fromEntries(Object.entries(PARTS).map(([k, v]) => [k, v.at(-1)])),
      tailscale: { loginUrl: 'http://10.0.0.1:8080', authKey: 'tskey-x' },
    } as WindowsIntent;
    let n = 0;
    for (const a of windowsActions(all)) {
      for (const c of [a.check, ...a.apply]) {
        const script = commandScript(c);
        if (script === undefined) continue;
        await expectParses(script, `${a.id}: ${c.args.join(' ')}`);
        n++;
      }
    }
    expect(n).toBeGreaterThan(20);
  });

  it('the service commands and the elevated runner', async () => {
    const spec = {
      name: 'mesh-syncthing',
      description: "Syncthing for Bob's folder",
      exec: [
        'C:\\Program Files\\Syncthing\\syncthing.exe',
        'serve',
        '--home=C:\\Users\\Jane Doe\\st',
      ],
    };
    for (const kind of ['task', 'service'] as const) {
      for (const c of Object.values(windowsServiceCommands(spec, kind))) {
        const script = commandScript(c);
        if (script !== undefined) await expectParses(script, `${kind}: ${c.args.join(' ')}`);
      }
    }
    const run = elevatedRunCommand({
      scriptWindowsPath: "C:\\Users\\Jane O'Neil\\AppData\\Local\\Temp\\mesh setup.ps1",
      logWindowsPath: "C:\\Users\\Jane O'Neil\\AppData\\Local\\Temp\\mesh setup.log",
    });
    await expectParses(commandScript(run) ?? '', 'elevated run');
  });
});

describe('the syntax check itself', () => {
  const good = renderWindowsScript({ firewall: true, syncthing: SYNCTHING_INTENT });

  it('fails on a deliberately broken script, naming the line', async () => {
    expect(await powershellSyntaxErrors(good)).toEqual([]);
    // One closing brace of the Syncthing folder step dropped.
    const lines = good.split('\r\n');
    const at = lines.findIndex((l) => l.includes("SelectSingleNode('/configuration/folder"));
    const broken = lines.map((l, i) => (i === at ? l.replace(/\}\)$/, ')') : l)).join('\r\n');
    expect(broken).not.toBe(good);
    const errors = await powershellSyntaxErrors(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.line).toBeGreaterThan(1);
  });

  it.each([
    ['an unclosed string', "Write-Host 'no end\r\n"],
    ['an unclosed block', 'if ($true) { Write-Host 1\r\n'],
    ['a stray parenthesis', 'Write-Host (1 + 2))\r\n'],
    ['an unclosed hashtable', "$w = @{ 'a' = 1\r\n"],
  ])('finds %s', async (_, source) => {
    expect(await powershellSyntaxErrors(source)).not.toEqual([]);
  });
});
