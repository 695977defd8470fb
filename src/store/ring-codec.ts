/**
 * The fixed-record ring-buffer format (DESIGN.md section 5), as a pure codec over
 * DataView so that `inspect` and tests read it without running anything.
 *
 * File:   [file header, 4096 bytes][slot 0, 4096 bytes][slot 1] … [slot capacity−1]
 *
 * File header (little-endian; the rest of the 4096 bytes is zero):
 *   0  u8[8]  magic "MSRING\0\0"
 *   8  u32    format version (1)
 *   12 u32    record size (4096)
 *   16 u32    capacity (slots)
 *   20 u32    kind (see RingKind)
 *   24 f64    write count: records ever appended; the next slot is count mod capacity
 *   32 u32    CRC-32 of bytes 0..32
 *
 * Record (4096 bytes, little-endian):
 *   0    f64      ts, epoch ms (minute start, or 30 s slot start for the order book)
 *   8    f64      src, the reference price
 *   16   f64      price_min
 *   24   f64      price_max
 *   32   f64      step
 *   40   u32      n_buckets (≤ 1000)
 *   44   u32      CRC-32 of the whole record computed with this field zero. DESIGN.md
 *                 calls these 4 bytes padding; we use them to detect torn writes.
 *   48   u8[1000] long (liquidation rings) or bid (order-book ring) intensity
 *   1048 u8[1000] short or ask intensity
 *   2048 u8[2040] extension block, defined per kind (zero when unused)
 *   4088 f64      write sequence number of this record (0, 1, 2, …)
 *
 * The header's write count is updated after the record is written, so a crash
 * between the two leaves the record invisible; a crash while overwriting the oldest
 * slot leaves a record whose CRC fails (torn) or whose sequence number is not the one
 * the slot should hold (complete but uncommitted): readers skip both and report them.
 */

import { crc32 } from '../util/crc32.js';

export const RING_MAGIC = 'MSRING\0\0';
export const RING_VERSION = 1;
export const RECORD_SIZE = 4096;
export const FILE_HEADER_SIZE = 4096;
export const RECORD_HEADER_SIZE = 48;
export const MAX_BUCKETS = 1000;
export const EXTENSION_OFFSET = 2048;
const SEQUENCE_OFFSET = RECORD_SIZE - 8;
export const EXTENSION_SIZE = SEQUENCE_OFFSET - EXTENSION_OFFSET;
const CRC_OFFSET = 44;

export const RingKind = {
  unspecified: 0,
  liquidationV1: 1,
  liquidationV2: 2,
  orderbook: 3,
} as const;
export type RingKind = (typeof RingKind)[keyof typeof RingKind];

export interface RingFileHeader {
  readonly version: number;
  readonly recordSize: number;
  readonly capacity: number;
  readonly kind: number;
  readonly writeCount: number;
}

export interface RingRecord {
  /** Epoch ms. */
  readonly ts: number;
  readonly src: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly step: number;
  readonly nBuckets: number;
  /** Long (liquidation) or bid (order book) intensity, `nBuckets` values. */
  readonly a: Uint8Array;
  /** Short or ask intensity, `nBuckets` values. */
  readonly b: Uint8Array;
  /** Kind-specific extension block (≤ 2040 bytes), or empty. */
  readonly ext: Uint8Array;
}

export class RingFormatError extends Error {
  override readonly name = 'RingFormatError';
}

export function encodeFileHeader(header: RingFileHeader, out = new Uint8Array(FILE_HEADER_SIZE)): Uint8Array {
  out.fill(0, 0, 64);
  for (let i = 0; i < 8; i++) out[i] = RING_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(8, header.version, true);
  view.setUint32(12, header.recordSize, true);
  view.setUint32(16, header.capacity, true);
  view.setUint32(20, header.kind, true);
  view.setFloat64(24, header.writeCount, true);
  view.setUint32(32, crc32(out, 0, 32), true);
  return out;
}

export function decodeFileHeader(bytes: Uint8Array): RingFileHeader {
  if (bytes.length < 36) throw new RingFormatError('file is shorter than a ring header');
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== RING_MAGIC.charCodeAt(i)) throw new RingFormatError('not a moonstream ring file (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(32, true) !== crc32(bytes, 0, 32)) throw new RingFormatError('ring header checksum mismatch');
  const header = {
    version: view.getUint32(8, true),
    recordSize: view.getUint32(12, true),
    capacity: view.getUint32(16, true),
    kind: view.getUint32(20, true),
    writeCount: view.getFloat64(24, true),
  };
  if (header.version !== RING_VERSION) throw new RingFormatError(`unsupported ring version ${header.version}`);
  if (header.recordSize !== RECORD_SIZE) throw new RingFormatError(`unsupported record size ${header.recordSize}`);
  if (header.capacity < 1) throw new RingFormatError('ring capacity is 0');
  return header;
}

/** Encode `record`, the `sequence`-th appended to its ring, into `out` (4096 bytes, zeroed first). */
export function encodeRecord(record: RingRecord, sequence: number, out = new Uint8Array(RECORD_SIZE)): Uint8Array {
  const n = record.nBuckets;
  if (!Number.isInteger(n) || n < 0 || n > MAX_BUCKETS) throw new RangeError(`n_buckets must be 0…${MAX_BUCKETS}, got ${n}`);
  if (record.a.length < n || record.b.length < n) throw new RangeError('intensity arrays shorter than n_buckets');
  if (record.ext.length > EXTENSION_SIZE) throw new RangeError(`extension block over ${EXTENSION_SIZE} bytes`);
  out.fill(0);
  const view = new DataView(out.buffer, out.byteOffset, RECORD_SIZE);
  view.setFloat64(0, record.ts, true);
  view.setFloat64(8, record.src, true);
  view.setFloat64(16, record.priceMin, true);
  view.setFloat64(24, record.priceMax, true);
  view.setFloat64(32, record.step, true);
  view.setUint32(40, n, true);
  out.set(record.a.subarray(0, n), RECORD_HEADER_SIZE);
  out.set(record.b.subarray(0, n), RECORD_HEADER_SIZE + MAX_BUCKETS);
  out.set(record.ext, EXTENSION_OFFSET);
  view.setFloat64(SEQUENCE_OFFSET, sequence, true);
  view.setUint32(CRC_OFFSET, crc32(out, 0, RECORD_SIZE), true);
  return out;
}

/**
 * Decode a record; `undefined` when its CRC does not match (a torn or foreign write) or,
 * when `expectedSequence` is given, when it is not that record (an uncommitted overwrite).
 */
export function decodeRecord(bytes: Uint8Array, expectedSequence?: number): RingRecord | undefined {
  if (bytes.length < RECORD_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_SIZE);
  const stored = view.getUint32(CRC_OFFSET, true);
  // a copy whatever `bytes` is: a Node Buffer's slice() is a view of its (pooled) memory,
  // which the CRC zeroing below would otherwise write into
  const copy = Uint8Array.prototype.slice.call(bytes, 0, RECORD_SIZE);
  new DataView(copy.buffer).setUint32(CRC_OFFSET, 0, true);
  if (crc32(copy) !== stored) return undefined;
  const n = view.getUint32(40, true);
  if (n > MAX_BUCKETS) return undefined;
  if (expectedSequence !== undefined && view.getFloat64(SEQUENCE_OFFSET, true) !== expectedSequence) return undefined;
  return {
    ts: view.getFloat64(0, true),
    src: view.getFloat64(8, true),
    priceMin: view.getFloat64(16, true),
    priceMax: view.getFloat64(24, true),
    step: view.getFloat64(32, true),
    nBuckets: n,
    a: copy.slice(RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + n),
    b: copy.slice(RECORD_HEADER_SIZE + MAX_BUCKETS, RECORD_HEADER_SIZE + MAX_BUCKETS + n),
    ext: copy.slice(EXTENSION_OFFSET, SEQUENCE_OFFSET),
  };
}

/** Byte offset of slot `slot` in the file. */
export function slotOffset(slot: number): number {
  return FILE_HEADER_SIZE + slot * RECORD_SIZE;
}
