import { describe, expect, it } from 'vitest';
import { syncthingTransfers } from './instant-sync.js';

describe('syncthingTransfers', () => {
  it("takes a file's events right after its temp file's for Syncthing finishing it", () => {
    let now = 1000;
    const t = syncthingTransfers(() => now);
    t.saw('docs/.syncthing.report.pdf.tmp');
    t.saw('~syncthing~notes.txt.tmp');
    now += 50;
    expect(t.finishing('docs/report.pdf')).toBe(true);
    expect(t.finishing('notes.txt')).toBe(true);
    expect(t.finishing('report.pdf')).toBe(false);
    expect(t.finishing('docs/other.pdf')).toBe(false);
  });

  it('an edit well after the transfer is an edit again', () => {
    let now = 1000;
    const t = syncthingTransfers(() => now);
    t.saw('.syncthing.a.txt.tmp');
    now += 1000;
    expect(t.finishing('a.txt')).toBe(false);
  });

  it('other ignored paths note nothing', () => {
    const t = syncthingTransfers(() => 1000);
    t.saw('.stversions/a~20261130-120000.txt');
    t.saw('.stfolder');
    expect(t.finishing('a.txt')).toBe(false);
    expect(t.finishing('.stfolder')).toBe(false);
  });
});
