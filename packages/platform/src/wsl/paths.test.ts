import { describe, expect, it } from 'vitest';
import { PathConversionError } from '../errors.js';
import { windowsToWslPath, wslToWindowsPath } from './paths.js';

describe('WSL path conversion', () => {
  it('drive paths both ways', () => {
    expect(windowsToWslPath('C:\\shared\\a b\\x.txt')).toBe('/mnt/c/shared/a b/x.txt');
    expect(windowsToWslPath('c:/shared/')).toBe('/mnt/c/shared');
    expect(windowsToWslPath('D:\\')).toBe('/mnt/d');
    expect(windowsToWslPath('C:\\x', { mountRoot: '/' })).toBe('/c/x');
    expect(wslToWindowsPath('/mnt/c/shared/x')).toBe('C:\\shared\\x');
    expect(wslToWindowsPath('/mnt/d')).toBe('D:\\');
  });

  it('UNC \\\\wsl$ and \\\\wsl.localhost paths', () => {
    expect(windowsToWslPath('\\\\wsl$\\Ubuntu\\home\\u\\.ssh')).toBe('/home/u/.ssh');
    expect(windowsToWslPath('\\\\wsl.localhost\\Ubuntu\\opt\\shared')).toBe('/opt/shared');
    expect(wslToWindowsPath('/opt/shared', { distro: 'Ubuntu' })).toBe(
      '\\\\wsl$\\Ubuntu\\opt\\shared',
    );
    expect(wslToWindowsPath('/', { distro: 'Ubuntu', uncHost: 'wsl.localhost' })).toBe(
      '\\\\wsl.localhost\\Ubuntu',
    );
  });

  it('rejects what it cannot convert', () => {
    expect(() => windowsToWslPath('shared\\x')).toThrow(PathConversionError);
    expect(() => windowsToWslPath('\\\\wsl$\\Debian\\x', { distro: 'Ubuntu' })).toThrow(
      PathConversionError,
    );
    expect(() => wslToWindowsPath('/opt/shared')).toThrow(/distro/);
    expect(() => wslToWindowsPath('rel/x')).toThrow(PathConversionError);
  });
});
