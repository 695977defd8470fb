import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FILE_HEADER_SIZE,
  RECORD_SIZE,
  RingFormatError,
  RingKind,
  decodeRecord,
  encodeRecord,
  slotOffset,
  type RingRecord,
} from './ring-codec.js';
import { FileQueue } from './file-queue.js';
import { RingFile } from './ring-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-ring-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function record(ts: number, fill = ts % 256): RingRecord {
  const n = 660;
  return {
    ts,
    src: 65892.725,
    priceMin: 59300,
    priceMax: 72480,
    step: 20,
    nBuckets: n,
    a: new Uint8Array(n).fill(fill),
    b: new Uint8Array(n).fill(255 - fill),
    ext: new Uint8Array([1, 2, 3]),
  };
}

describe('ring codec', () => {
  it('round-trips a record and lays it out as DESIGN.md section 5 says', () => {
    const bytes = encodeRecord(record(1_772_245_200_000, 7), 41);
    expect(bytes.length).toBe(RECORD_SIZE);
    const view = new DataView(bytes.buffer);
    expect(view.getFloat64(0, true)).toBe(1_772_245_200_000);
    expect(view.getFloat64(16, true)).toBe(59300);
    expect(view.getFloat64(32, true)).toBe(20);
    expect(view.getUint32(40, true)).toBe(660);
    expect(bytes[48]).toBe(7); // long/bid array at 48
    expect(bytes[1048]).toBe(248); // short/ask array at 1048
    expect(bytes[48 + 660]).toBe(0); // zero past n
    expect(bytes[2048]).toBe(1); // extension block
    expect(view.getFloat64(4088, true)).toBe(41); // write sequence in the last 8 bytes
    const back = decodeRecord(bytes, 41)!;
    expect(decodeRecord(bytes, 40)).toBeUndefined();
    expect(back.ts).toBe(1_772_245_200_000);
    expect(back.nBuckets).toBe(660);
    expect(back.a[0]).toBe(7);
    expect(back.b[659]).toBe(248);
    expect(back.ext.subarray(0, 3)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('rejects a record whose bytes changed after encoding', () => {
    const bytes = encodeRecord(record(1000), 0);
    bytes[100] ^= 0xff;
    expect(decodeRecord(bytes, 0)).toBeUndefined();
  });

  it('decodes a record inside a Node Buffer (a whole file read at once) without writing into it', () => {
    const file = Buffer.alloc(FILE_HEADER_SIZE + 2 * RECORD_SIZE);
    Buffer.from(encodeRecord(record(1000, 9), 0)).copy(file, slotOffset(0));
    Buffer.from(encodeRecord(record(2000, 8), 1)).copy(file, slotOffset(1));
    const before = Buffer.from(file);
    expect(decodeRecord(file.subarray(slotOffset(1), slotOffset(1) + RECORD_SIZE), 1)!.ts).toBe(2000);
    expect(decodeRecord(file.subarray(slotOffset(0)), 0)!.a[0]).toBe(9);
    expect(file.equals(before)).toBe(true);
  });
});

describe('RingFile', () => {
  it('appends and reads the newest N oldest first', () => {
    const file = path.join(dir, 'history', 'BTC.v2.bin');
    const ring = RingFile.open(file, { capacity: 10, kind: RingKind.liquidationV2 });
    for (let i = 1; i <= 4; i++) ring.append(record(i * 60_000));
    expect(ring.count).toBe(4);
    expect(ring.readNewest(2).records.map((r) => r.ts)).toEqual([180_000, 240_000]);
    ring.close();
    expect(fs.statSync(file).size).toBe(FILE_HEADER_SIZE + 4 * RECORD_SIZE);
  });

  it('wraps around, keeping the newest `capacity` records', () => {
    const file = path.join(dir, 'ring.bin');
    const ring = RingFile.open(file, { capacity: 3 });
    for (let i = 1; i <= 7; i++) ring.append(record(i));
    expect(ring.count).toBe(3);
    expect(ring.readNewest(10).records.map((r) => r.ts)).toEqual([5, 6, 7]);
    ring.close();
    expect(fs.statSync(file).size).toBe(FILE_HEADER_SIZE + 3 * RECORD_SIZE);
    // reopening keeps position and the file's own capacity
    const again = RingFile.open(file, { capacity: 99 });
    expect(again.info.capacity).toBe(3);
    again.append(record(8));
    expect(again.readNewest(3).records.map((r) => r.ts)).toEqual([6, 7, 8]);
    again.close();
  });

  it('reads a time range', () => {
    const ring = RingFile.open(path.join(dir, 'r.bin'), { capacity: 100 });
    for (let i = 0; i < 10; i++) ring.append(record(i * 30_000));
    expect(ring.readRange(60_000, 150_000).records.map((r) => r.ts)).toEqual([60_000, 90_000, 120_000, 150_000]);
    ring.close();
  });

  it('skips and reports a record torn by a crash while overwriting the oldest slot', () => {
    const file = path.join(dir, 'torn.bin');
    const ring = RingFile.open(file, { capacity: 3 });
    for (let i = 1; i <= 3; i++) ring.append(record(i));
    ring.close();
    // a crash midway through writing record 4 into slot 0: half new bytes, header not advanced
    const half = encodeRecord(record(4), 3).subarray(0, 1024);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, half, 0, half.length, slotOffset(0));
    fs.closeSync(fd);
    const read = RingFile.read(file);
    expect(read.records.map((r) => r.ts)).toEqual([2, 3]);
    expect(read.torn).toEqual([0]);
  });

  it('skips a complete record whose header update never happened when it overwrote the oldest slot', () => {
    const file = path.join(dir, 'uncommitted.bin');
    const ring = RingFile.open(file, { capacity: 3 });
    for (let i = 1; i <= 3; i++) ring.append(record(i));
    ring.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, encodeRecord(record(4), 3), 0, RECORD_SIZE, slotOffset(0));
    fs.closeSync(fd);
    const read = RingFile.read(file);
    expect(read.records.map((r) => r.ts)).toEqual([2, 3]);
    expect(read.torn).toEqual([0]);
  });

  it('does not show a record whose header update never happened', () => {
    const file = path.join(dir, 'pending.bin');
    const ring = RingFile.open(file, { capacity: 5 });
    ring.append(record(1));
    ring.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, encodeRecord(record(2), 1), 0, RECORD_SIZE, slotOffset(1));
    fs.closeSync(fd);
    expect(RingFile.read(file).records.map((r) => r.ts)).toEqual([1]);
  });

  it('refuses a file that is not a ring, naming it', () => {
    const file = path.join(dir, 'not-a-ring.bin');
    fs.writeFileSync(file, Buffer.alloc(8192, 1));
    expect(() => RingFile.open(file)).toThrow(RingFormatError);
    expect(() => RingFile.open(file)).toThrow(/not-a-ring\.bin: not a moonstream ring file/);
  });

  it('defers records until flush, then writes them and the header that shows them', () => {
    const file = path.join(dir, 'deferred.bin');
    const ring = RingFile.open(file, { capacity: 5, deferWrites: true });
    ring.append(record(1));
    ring.append(record(2));
    expect(RingFile.read(file).records).toEqual([]); // nothing on disk yet: a crash here loses both, nothing else
    ring.flush();
    expect(RingFile.read(file).records.map((r) => r.ts)).toEqual([1, 2]);
    ring.append(record(3));
    expect(RingFile.read(file).records.map((r) => r.ts)).toEqual([1, 2]);
    expect(ring.readNewest(5).records.map((r) => r.ts)).toEqual([1, 2, 3]); // reading its own ring writes first
    ring.close();
  });

  it('writes the same bytes deferred as record by record, across wrap-around and long runs', () => {
    const direct = RingFile.open(path.join(dir, 'direct.bin'), { capacity: 7 });
    const deferred = RingFile.open(path.join(dir, 'deferred.bin'), { capacity: 7, deferWrites: true });
    // 40 records: runs break at the wrap (slot 6 → 0), and at the 64-record cap of a run
    // when the capacity is larger (second pair below)
    for (let i = 1; i <= 40; i++) {
      direct.append(record(i));
      deferred.append(record(i));
      if (i % 11 === 0) deferred.flush();
    }
    direct.close();
    deferred.close();
    expect(fs.readFileSync(path.join(dir, 'deferred.bin')).equals(fs.readFileSync(path.join(dir, 'direct.bin')))).toBe(true);
    const big = RingFile.open(path.join(dir, 'big-direct.bin'), { capacity: 100 });
    const bigDeferred = RingFile.open(path.join(dir, 'big-deferred.bin'), { capacity: 100, deferWrites: true });
    for (let i = 1; i <= 90; i++) {
      big.append(record(i));
      bigDeferred.append(record(i));
    }
    big.close();
    bigDeferred.close();
    expect(fs.readFileSync(path.join(dir, 'big-deferred.bin')).equals(fs.readFileSync(path.join(dir, 'big-direct.bin')))).toBe(true);
  });

  it('writes the same bytes through a write queue once drained', async () => {
    const queue = new FileQueue();
    const direct = RingFile.open(path.join(dir, 'direct.bin'), { capacity: 4 });
    const queued = RingFile.open(path.join(dir, 'queued.bin'), { capacity: 4, queue });
    for (let i = 1; i <= 9; i++) {
      direct.append(record(i * 60_000));
      queued.append(record(i * 60_000));
    }
    direct.close();
    queued.close();
    await queue.drain();
    expect(queue.stats.errors).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'queued.bin')).equals(fs.readFileSync(path.join(dir, 'direct.bin')))).toBe(true);
    expect(RingFile.read(path.join(dir, 'queued.bin')).records.map((r) => r.ts)).toEqual([360_000, 420_000, 480_000, 540_000]);
  });
});
