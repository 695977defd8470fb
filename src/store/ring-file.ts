/**
 * A ring-buffer file of 4096-byte records (format in ring-codec.ts): append, read the
 * newest N, read a time range, wrap around, and skip torn records with a report.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
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
}

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

  private constructor(file: string, fd: number, header: RingFileHeader, durable: boolean) {
    this.file = file;
    this.fd = fd;
    this.header = header;
    this.durable = durable;
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
      return new RingFile(file, fd, header, options.fsync ?? false);
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
    encodeRecord(record, seq, this.scratch);
    fs.writeSync(this.fd, this.scratch, 0, RECORD_SIZE, slotOffset(slot));
    if (this.durable) fs.fsyncSync(this.fd);
    this.header = { ...this.header, writeCount: seq + 1 };
    fs.writeSync(this.fd, encodeFileHeader(this.header, new Uint8Array(64)), 0, 64, 0);
    if (this.durable) fs.fsyncSync(this.fd);
  }

  /** The newest `n` records, oldest first, skipping torn ones. */
  readNewest(n: number): RingReadResult {
    const total = this.header.writeCount;
    const take = Math.max(0, Math.min(n, this.count));
    return this.readSequence(total - take, total);
  }

  /** Records with `fromTs ≤ ts ≤ toTs`, oldest first. */
  readRange(fromTs: number, toTs: number): RingReadResult {
    const all = this.readNewest(this.count);
    return { records: all.records.filter((r) => r.ts >= fromTs && r.ts <= toTs), torn: all.torn };
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private readSequence(fromSeq: number, toSeq: number): RingReadResult {
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
