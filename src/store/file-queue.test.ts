import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileQueue, type QueueFs } from './file-queue.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-queue-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * node:fs whose calls are held until the test releases them: a disk as slow, and as
 * out of order, as the test says. `calls` records every call as `op path-or-fd`.
 */
class HeldFs implements QueueFs {
  readonly calls: string[] = [];
  private held: (() => void)[] = [];
  hold = false;
  failRename = false;
  failWriteOn: number | undefined;
  private readonly fdNames = new Map<number, string>();

  get waiting(): number {
    return this.held.length;
  }

  /** Run the held calls, newest first when `reverse` (the disk answers out of order). */
  release(reverse = false): void {
    const held = this.held;
    this.held = [];
    for (const run of reverse ? held.reverse() : held) run();
  }

  private call(name: string, run: () => void): void {
    this.calls.push(name);
    if (this.hold) this.held.push(run);
    else run();
  }

  open(file: string, flags: string, callback: (error: NodeJS.ErrnoException | null, fd: number) => void): void {
    this.call(`open ${path.basename(file)}`, () =>
      fs.open(file, flags, (error, fd) => {
        if (!error) this.fdNames.set(fd, path.basename(file));
        callback(error, fd);
      }),
    );
  }
  write(fd: number, data: Uint8Array, offset: number, length: number, position: number | null, callback: (error: NodeJS.ErrnoException | null, written: number) => void): void {
    this.call(`write ${this.fdNames.get(fd) ?? fd}`, () => {
      if (this.failWriteOn === fd) return callback(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0);
      fs.write(fd, data, offset, length, position, callback);
    });
  }
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void {
    this.call(`fsync ${this.fdNames.get(fd) ?? fd}`, () => fs.fsync(fd, callback));
  }
  close(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void {
    this.call(`close ${this.fdNames.get(fd) ?? fd}`, () => fs.close(fd, callback));
  }
  rename(from: string, to: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
    this.call(`rename ${path.basename(to)}`, () => {
      if (this.failRename) return callback(Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' }));
      fs.rename(from, to, callback);
    });
  }
  unlink(file: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
    this.call(`unlink ${path.basename(file)}`, () => fs.unlink(file, callback));
  }
  mkdir(d: string, options: { recursive: true }, callback: (error: NodeJS.ErrnoException | null) => void): void {
    this.call(`mkdir ${path.basename(d)}`, () => fs.mkdir(d, options, (error) => callback(error)));
  }
}

/** Release held calls until the queue is idle (bounded: a queue that never drains fails the test). */
async function settle(io: HeldFs, queue: FileQueue, reverse = false): Promise<void> {
  for (let i = 0; i < 1_000 && queue.stats.pending > 0; i++) {
    io.release(reverse);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  expect(queue.stats.pending).toBe(0);
}

const text = (s: string) => new TextEncoder().encode(s);

describe('FileQueue', () => {
  it('writes one file in the order queued even when the disk answers out of order', async () => {
    const io = new HeldFs();
    const errors: unknown[] = [];
    const queue = new FileQueue({ fs: io, onError: (e) => errors.push(e) });
    const file = path.join(dir, 'ring.bin');
    const fd = fs.openSync(file, 'w+');
    io.hold = true;
    // a record, then the header that makes it visible, then a second record over the same slot
    queue.writeAt(file, fd, text('AAAA'), 8);
    queue.writeAt(file, fd, text('H1'), 0);
    queue.writeAt(file, fd, text('BBBB'), 8);
    queue.writeAt(file, fd, text('H2'), 0);
    queue.close(file, fd);
    expect(io.waiting).toBe(1); // only the first write is out; the rest wait their turn
    await settle(io, queue, true);
    expect(errors).toEqual([]);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 2).toString()).toBe('H2');
    expect(bytes.subarray(8, 12).toString()).toBe('BBBB');
    expect(queue.stats).toMatchObject({ queued: 5, done: 5, pending: 0, pendingBytes: 0, waited: 4, errors: 0 });
    expect(queue.stats.peakPendingBytes).toBe(12);
  });

  it('lets other files proceed while one waits for a stalled write', async () => {
    const io = new HeldFs();
    const queue = new FileQueue({ fs: io });
    const slow = path.join(dir, 'slow.jsonl');
    const fast = path.join(dir, 'fast.jsonl');
    const slowFd = fs.openSync(slow, 'a');
    const fastFd = fs.openSync(fast, 'a');
    io.hold = true;
    queue.append(slow, slowFd, 'stalled\n');
    io.hold = false;
    queue.append(fast, fastFd, 'one\n');
    queue.append(fast, fastFd, 'two\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fs.readFileSync(fast, 'utf8')).toBe('one\ntwo\n');
    expect(fs.readFileSync(slow, 'utf8')).toBe('');
    expect(queue.busyFiles).toBe(1);
    io.release();
    await queue.drain();
    expect(fs.readFileSync(slow, 'utf8')).toBe('stalled\n');
    fs.closeSync(slowFd);
    fs.closeSync(fastFd);
  });

  it('merges appends waiting for their turn into one write, keeping their order', async () => {
    const io = new HeldFs();
    const queue = new FileQueue({ fs: io });
    const file = path.join(dir, 'calibrator-BTC.jsonl');
    const fd = fs.openSync(file, 'a');
    io.hold = true;
    for (let i = 0; i < 5; i++) queue.append(file, fd, `{"i":${i}}\n`);
    await settle(io, queue);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}\n{"i":4}\n');
    expect(io.calls.filter((c) => c.startsWith('write'))).toHaveLength(2); // the first, then the other four together
    expect(queue.stats.merged).toBe(3);
    fs.closeSync(fd);
  });

  it('writes only the newest of JSON states superseded while the disk was busy', async () => {
    const io = new HeldFs();
    const queue = new FileQueue({ fs: io });
    const file = path.join(dir, 'snapshots', 'BTC.v1.json');
    io.hold = true;
    queue.replace(file, '{"v":1}\n', false);
    queue.replace(file, '{"v":2}\n', false);
    queue.replace(file, '{"v":3}\n', true);
    await settle(io, queue);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"v":3}\n');
    expect(queue.stats.superseded).toBe(1);
    expect(io.calls.filter((c) => c.startsWith('rename'))).toHaveLength(2);
    // the durable one: data synced before the rename, the directory after it
    const last = io.calls.slice(io.calls.lastIndexOf('rename BTC.v1.json') - 2);
    expect(last[0]).toMatch(/^fsync BTC\.v1\.json\.tmp-/);
    expect(last.slice(2)).toEqual(['rename BTC.v1.json', 'open snapshots', 'fsync snapshots', 'close snapshots']);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['BTC.v1.json']);
  });

  it('leaves the old file and no temporary behind when the rename fails, and reports it', async () => {
    const io = new HeldFs();
    const errors: [string, string][] = [];
    const queue = new FileQueue({ fs: io, onError: (e, f) => errors.push([(e as Error).message, path.basename(f)]) });
    const file = path.join(dir, 'zones.json');
    fs.writeFileSync(file, '{"old":true}\n');
    io.failRename = true;
    queue.replace(file, '{"new":true}\n', true);
    await queue.drain();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"old":true}\n');
    expect(fs.readdirSync(dir)).toEqual(['zones.json']);
    expect(errors).toEqual([['EXDEV: cross-device link not permitted, rename', 'zones.json']]);
    expect(queue.stats.errors).toBe(1);
    // the queue carries on
    io.failRename = false;
    queue.replace(file, '{"new":true}\n', false);
    await queue.drain();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"new":true}\n');
  });

  it('reports a failed write with its file and runs what was queued after it', async () => {
    const io = new HeldFs();
    const errors: string[] = [];
    const queue = new FileQueue({ fs: io, onError: (e, f) => errors.push(`${path.basename(f)}: ${(e as Error).message}`) });
    const file = path.join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'a');
    io.failWriteOn = fd;
    queue.append(file, fd, 'lost\n');
    await queue.drain();
    io.failWriteOn = undefined;
    queue.append(file, fd, 'kept\n');
    queue.close(file, fd);
    await queue.drain();
    expect(errors).toEqual(['log.jsonl: EIO: i/o error, write']);
    expect(fs.readFileSync(file, 'utf8')).toBe('kept\n');
    expect(queue.stats).toMatchObject({ errors: 1, pending: 0 });
  });

  it('refuses ring and log bytes beyond its bound, counting and reporting them, but never a JSON state', async () => {
    const io = new HeldFs();
    const errors: string[] = [];
    const queue = new FileQueue({ fs: io, maxPendingBytes: 10, onError: (e) => errors.push((e as Error).message) });
    const file = path.join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'a');
    io.hold = true;
    queue.append(file, fd, '123456\n'); // 7 bytes: accepted
    queue.append(file, fd, '7890\n'); // 12 would pass 10: refused
    queue.replace(path.join(dir, 'zones.json'), '{"zones":[]}\n', true); // a state is superseded, not refused
    expect(queue.stats).toMatchObject({ refused: 1, refusedBytes: 5 });
    expect(errors).toEqual(['write queue full (7 bytes waiting for the disk): 5 bytes not written']);
    await settle(io, queue);
    expect(fs.readFileSync(file, 'utf8')).toBe('123456\n');
    expect(fs.readFileSync(path.join(dir, 'zones.json'), 'utf8')).toBe('{"zones":[]}\n');
    fs.closeSync(fd);
  });

  it('drain waits for what is queued while draining', async () => {
    const io = new HeldFs();
    const queue = new FileQueue({ fs: io });
    const file = path.join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'a');
    await queue.drain(); // idle: resolves at once
    io.hold = true;
    queue.append(file, fd, 'a\n');
    let drained = false;
    const draining = queue.drain().then(() => (drained = true));
    queue.append(file, fd, 'b\n');
    io.release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(drained).toBe(false);
    await settle(io, queue);
    await draining;
    expect(fs.readFileSync(file, 'utf8')).toBe('a\nb\n');
    fs.closeSync(fd);
  });
});
