import { describe, expect, it } from 'vitest';
import { elevatedRunCommand, stripTranscript } from './interop.js';

describe('elevated run from WSL', () => {
  it('Start-Process -Verb RunAs with -File and -LogFile, no literal double quotes', () => {
    const c = elevatedRunCommand({
      scriptWindowsPath: 'C:\\Users\\J Doe\\AppData\\Local\\Temp\\mesh-1.ps1',
      logWindowsPath: 'C:\\Users\\J Doe\\AppData\\Local\\Temp\\mesh-1.log',
    });
    expect(c).toEqual({
      file: 'powershell.exe',
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        "$ErrorActionPreference = 'Stop'; $q = [char]34; $a = '-NoProfile -ExecutionPolicy Bypass -File ' + $q + " +
          "'C:\\Users\\J Doe\\AppData\\Local\\Temp\\mesh-1.ps1' + $q + ' -LogFile ' + $q + " +
          "'C:\\Users\\J Doe\\AppData\\Local\\Temp\\mesh-1.log' + $q; " +
          "$p = Start-Process -FilePath 'powershell.exe' -Verb RunAs -Wait -PassThru -ArgumentList $a; exit $p.ExitCode",
      ],
    });
  });

  it('strips the transcript boilerplate', () => {
    const log =
      '**********************\r\nWindows PowerShell transcript start\r\nUsername: X\r\n**********************\r\nOK: a\r\n**********************\r\nWindows PowerShell transcript end\r\n**********************\r\n';
    expect(stripTranscript(log)).toBe('OK: a');
  });
});
