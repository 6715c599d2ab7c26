import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceLabel } from './status.js';

describe('sourceLabel', () => {
  it('names the place a setting came from', () => {
    const cwd = path.join(path.sep, 'home', 'me', 'project');
    expect(sourceLabel('env', cwd)).toBe('environment');
    expect(sourceLabel('default', cwd)).toBe('default');
    const here = path.join(cwd, '.env');
    const parent = path.join(path.dirname(cwd), '.env');
    expect(sourceLabel(here, cwd)).toBe(`./.env (${here})`);
    expect(sourceLabel(parent, cwd)).toBe(`../.env (${parent})`);
    expect(sourceLabel('/etc/mesh.env', cwd)).toBe('/etc/mesh.env');
  });
});
