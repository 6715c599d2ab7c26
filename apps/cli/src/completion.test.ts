import { afterEach, describe, expect, it, vi } from 'vitest';
// The grammar check lives beside the code that generates PowerShell (a devDependency there).
import { powershellSyntaxErrors } from '../../../packages/platform/src/windows/powershell-syntax.js';
import { buildCli } from './cli.js';
import { completionShell, powershellCompletionScript } from './completion.js';
import { capturedOutput } from './output/capture.js';

/** What `mesh ARGV` writes to stdout, through process.stdout or yargs' console.log. */
async function stdoutOf(argv: string[]): Promise<string> {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    chunks.push(String(s));
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((s) => {
    chunks.push(`${String(s)}\n`);
  });
  await buildCli(argv, capturedOutput().out).exitProcess(false).parseAsync();
  return chunks.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the PowerShell completion script', () => {
  it('parses as PowerShell', async () => {
    const script = powershellCompletionScript();
    expect(await powershellSyntaxErrors(script)).toEqual([]);
    // The check has teeth: the same script without its last brace does not parse.
    const broken = script.replace(/\}\n###-end/, '\n###-end');
    expect(broken).not.toBe(script);
    expect(await powershellSyntaxErrors(broken)).not.toEqual([]);
  });

  it('asks mesh through the protocol of yargs bash script', () => {
    const script = powershellCompletionScript();
    expect(script).toContain(
      "Register-ArgumentCompleter -Native -CommandName 'mesh', 'mesh.exe' -ScriptBlock {",
    );
    expect(script).toContain('& $program --get-yargs-completions @words 2>$null |');
    expect(script).toContain('mesh completion powershell >> $PROFILE');
  });

  it('is what mesh completion powershell prints; --help still prints help', async () => {
    expect(await stdoutOf(['completion', 'powershell'])).toBe(powershellCompletionScript());
    const help = await stdoutOf(['completion', '--help']);
    expect(help).toContain('mesh completion [shell]');
    expect(help).not.toContain('begin-mesh-completions');
  });

  it('gets its answers: the words up to the cursor, an empty one after a space', async () => {
    const words = (line: string) =>
      stdoutOf(['--get-yargs-completions', ...line.split(' ')]).then((s) => s.split('\n'));
    expect(await words('mesh serv')).toContain('server');
    expect(await words('mesh.exe server ')).toEqual(expect.arrayContaining(['setup', 'keygen']));
    expect(await words('mesh completion ')).toContain('powershell');
  });
});

describe('completionShell', () => {
  it('takes the shell named, else PowerShell on Windows outside a POSIX shell', () => {
    expect(completionShell('powershell', {}, 'linux')).toBe('powershell');
    expect(completionShell(undefined, {}, 'win32')).toBe('powershell');
    expect(completionShell(undefined, { SHELL: '/usr/bin/bash' }, 'win32')).toBe('yargs');
    expect(completionShell(undefined, { SHELL: '/bin/zsh' }, 'linux')).toBe('yargs');
    expect(completionShell(undefined, {}, 'linux')).toBe('yargs');
  });
});
