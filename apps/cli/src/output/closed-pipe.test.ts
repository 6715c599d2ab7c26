import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exitOnClosedPipe } from './closed-pipe.js';

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
}

describe('exitOnClosedPipe', () => {
  it('ends with the exit code decided so far when a reader closes the pipe', () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    const exits: number[] = [];
    let code = 0;
    exitOnClosedPipe([stdout, stderr], { exit: (c) => exits.push(c), exitCode: () => code });
    stdout.emit('error', epipe());
    code = 3;
    stderr.emit('error', epipe());
    expect(exits).toEqual([0, 3]);
  });

  it('throws any other write error as before', () => {
    const stdout = new EventEmitter();
    const exits: number[] = [];
    exitOnClosedPipe([stdout], { exit: (c) => exits.push(c) });
    const eio = Object.assign(new Error('write EIO'), { code: 'EIO' });
    expect(() => stdout.emit('error', eio)).toThrow('write EIO');
    expect(exits).toEqual([]);
  });
});
