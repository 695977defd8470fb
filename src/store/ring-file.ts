/**
 * A ring-buffer file of 4096-byte records (format in ring-codec.ts): append, read the
 * newest N, read a time range, wrap around, and skip torn records with a report.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileQueue } from './file-queue.js';
import {
  FILE_HEADER_SIZE,
  RECORD_SIZE,
  RING_VERSION,
  RingFormatError,
  decodeFileHeader,
  decodeRecord,
  encodeFileHeader,
  encodeRecord,
  slotOffset,
  type RingFileHeader,
  type RingRecord,
} from './ring-codec.js';

export interface RingOpenOptions {
  /** Slots in a new file (default 1440: a day of minutes, 12 h of 30 s frames). */
  readonly capacity?: number;
  /** Kind tag for a new file (RingKind). */
  readonly kind?: number;
  /** fsync after each append (default false: the CRC already catches torn records). */
  readonly fsync?: boolean;
  /**
   * Keep appended records in memory until `flush()` (default false: two writes per
   * record). A run of consecutive slots then goes out in one write, followed by the
   * header: a replay writes a ring about once a second instead of twice per record. A
   * crash loses what was not flushed, never the order (records before their header).
   */
  readonly deferWrites?: boolean;
  /** Write through this queue, off the event loop and in order (live); `flush()` is then a no-op. */
  readonly queue?: FileQueue;
}

/** Records a deferred run holds at most before it is written (256 KiB). */
const MAX_DEFERRED_RECORDS = 64;

export interface RingReadResult {
  /** Oldest first. */
  readonly records: RingRecord[];
  /** Write sequence numbers of records skipped: checksum failed (torn) or not the record expected there. */
  readonly torn: number[];
}

export const DEFAULT_RING_CAPACITY = 1440;

export class RingFile {
  readonly file: string;
  private fd: number;
  private header: RingFileHeader;
  private readonly durable: boolean;
  private readonly scratch = new Uint8Array(RECORD_SIZE);
  private readonly queue: FileQueue | undefined;
  /** Deferred records: a run of consecutive slots from `runSlot`, `runCount` long. */
  private readonly run: Uint8Array<ArrayBuffer> | undefined;
  private runSlot = 0;
  private runCount = 0;

  private constructor(file: string, fd: number, header: RingFileHeader, options: RingOpenOptions) {
    this.file = file;
    this.fd = fd;
    this.header = header;
    this.durable = options.fsync ?? false;
    this.queue = options.queue;
    if (options.deferWrites && !options.queue) this.run = new Uint8Array(MAX_DEFERRED_RECORDS * RECORD_SIZE);
  }

  /** Open an existing ring (its own capacity wins) or create a new one. */
  static open(file: string, options: RingOpenOptions = {}): RingFile {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const exists = fs.existsSync(file) && fs.statSync(file).size > 0;
    const fd = fs.openSync(file, exists ? 'r+' : 'w+');
    try {
      let header: RingFileHeader;
      if (exists) {
        const buf = new Uint8Array(64);
        fs.readSync(fd, buf, 0, 64, 0);
        header = decodeFileHeader(buf);
      } else {
        header = {
          version: RING_VERSION,
          recordSize: RECORD_SIZE,
          capacity: options.capacity ?? DEFAULT_RING_CAPACITY,
          kind: options.kind ?? 0,
          writeCount: 0,
        };
        fs.writeSync(fd, encodeFileHeader(header), 0, FILE_HEADER_SIZE, 0);
      }
      return new RingFile(file, fd, header, options);
    } catch (error) {
      fs.closeSync(fd);
      if (error instanceof RingFormatError) throw new RingFormatError(`${file}: ${error.message}`);
      throw error;
    }
  }

  /** Read-only view of an existing ring file (for inspect and the API). */
  static read(file: string): { header: RingFileHeader } & RingReadResult {
    const ring = RingFile.open(file);
    try {
      return { header: ring.info, ...ring.readNewest(ring.count) };
    } finally {
      ring.close();
    }
  }

  get info(): RingFileHeader {
    return this.header;
  }

  /** Records currently held (≤ capacity). */
  get count(): number {
    return Math.min(this.header.writeCount, this.header.capacity);
  }

  append(record: RingRecord): void {
    const seq = this.header.writeCount;
    const slot = seq % this.header.capacity;
    if (this.queue) {
      // fresh buffers: the queue writes them later
      this.header = { ...this.header, writeCount: seq + 1 };
      this.queue.writeAt(this.file, this.fd, encodeRecord(record, seq), slotOffset(slot));
      this.queue.writeAt(this.file, this.fd, encodeFileHeader(this.header, new Uint8Array(64)), 0);
      return;
    }
    if (this.run) {
      if (this.runCount > 0 && (slot !== this.runSlot + this.runCount || this.runCount === MAX_DEFERRED_RECORDS)) this.flush();
      if (this.runCount === 0) this.runSlot = slot;
      encodeRecord(record, seq, this.run.subarray(this.runCount * RECORD_SIZE, (this.runCount + 1) * RECORD_SIZE));
      this.runCount++;
      this.header = { ...this.header, writeCount: seq + 1 };
      return;
    }
    encodeRecord(record, seq, this.scratch);
    fs.writeSync(this.fd, this.scratch, 0, RECORD_SIZE, slotOffset(slot));
    if (this.durable) fs.fsyncSync(this.fd);
    this.header = { ...this.header, writeCount: seq + 1 };
    this.writeHeader();
  }

  /** Write deferred records, then the header (`deferWrites`; otherwise nothing is pending). */
  flush(): void {
    if (this.runCount === 0) return;
    fs.writeSync(this.fd, this.run!, 0, this.runCount * RECORD_SIZE, slotOffset(this.runSlot));
    this.runCount = 0;
    if (this.durable) fs.fsyncSync(this.fd);
    this.writeHeader();
  }

  private writeHeader(): void {
    fs.writeSync(this.fd, encodeFileHeader(this.header, new Uint8Array(64)), 0, 64, 0);
    if (this.durable) fs.fsyncSync(this.fd);
  }

  /** The newest `n` records, oldest first, skipping torn ones. */
  readNewest(n: number): RingReadResult {
    // deferred records are written first; a queued ring reads what has reached the disk (drain first)
    if (this.run) this.flush();
    const total = this.header.writeCount;
    const take = Math.max(0, Math.min(n, this.count));
    return this.readSequence(total - take, total);
  }

  /** Records with `fromTs ≤ ts ≤ toTs`, oldest first. */
  readRange(fromTs: number, toTs: number): RingReadResult {
    const all = this.readNewest(this.count);
    return { records: all.records.filter((r) => r.ts >= fromTs && r.ts <= toTs), torn: all.torn };
  }

  /** Flush and close (through the queue: after everything queued before). */
  close(): void {
    if (this.fd < 0) return;
    if (this.queue) this.queue.close(this.file, this.fd);
    else {
      this.flush();
      fs.closeSync(this.fd);
    }
    this.fd = -1;
  }

  private readSequence(fromSeq: number, toSeq: number): RingReadResult {
    this.flush();
    const records: RingRecord[] = [];
    const torn: number[] = [];
    const buf = new Uint8Array(RECORD_SIZE);
    for (let seq = fromSeq; seq < toSeq; seq++) {
      const read = fs.readSync(this.fd, buf, 0, RECORD_SIZE, slotOffset(seq % this.header.capacity));
      const record = read === RECORD_SIZE ? decodeRecord(buf, seq) : undefined;
      if (record) records.push(record);
      else torn.push(seq);
    }
    return { records, torn };
  }
}
