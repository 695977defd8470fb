/**
 * `inspect ring`: the newest records of a ring-buffer file — the liquidation heatmap
 * history (`history/{SYM}.v1.bin`, `.v2.bin`), the order-book heatmap
 * (`orderbook/{SYM}.bin`) — or of the PoC's `ob_heatmap_30s.bin` (no file header,
 * POC-FACTS 2.7a), so a user can check the history they carry over.
 *
 * Read-only and cheap: only the file header, the oldest record's time and the newest
 * `records` slots are read and checked (a day-long ring is 5.9 MB; start-up budget,
 * DESIGN.md section 8).
 */

import * as fs from 'node:fs';
import { MoonstreamError } from '../errors.js';
import { decodeV1Extension, decodeV2Extension } from '../engines/history-records.js';
import { decodeOrderBookExt } from '../store/orderbook-ext.js';
import { decodePocObFile, isPocObFile, POC_OB_RECORD_SIZE } from '../store/poc-ob-frame.js';
import { FILE_HEADER_SIZE, RECORD_SIZE, RingFormatError, RingKind, decodeFileHeader, decodeRecord, slotOffset, type RingFileHeader, type RingRecord } from '../store/ring-codec.js';
import { fileError } from './files.js';
import { iso, int, minutes, price as fmtPrice, priceDecimals, sparkline, table, usdShort } from '../cli/format.js';

export const DEFAULT_RING_RECORDS = 10;

export type RingKindName = 'liquidation-v1' | 'liquidation-v2' | 'orderbook' | 'unspecified';
export type RingFormat = 'moonstream-ring' | 'poc-ob-frames';

export interface RingRow {
  /** Epoch ms. */
  readonly ts: number;
  readonly src: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly step: number;
  readonly nBuckets: number;
  /** Long (liquidation rings) or bid (order book) u8 intensities. */
  readonly a: Uint8Array;
  /** Short or ask. */
  readonly b: Uint8Array;
  /** Decoded extension block (kind-specific), if any. */
  readonly ext: Record<string, unknown> | undefined;
}

export interface RingView {
  readonly file: string;
  readonly format: RingFormat;
  readonly kind: RingKindName;
  /** Slots of the ring (moonstream) or records in the file (PoC). */
  readonly capacity: number;
  /** Records ever appended (moonstream) or valid records (PoC). */
  readonly writeCount: number;
  readonly held: number;
  readonly oldestTs: number | undefined;
  readonly newestTs: number | undefined;
  /** Newest records, oldest first. */
  readonly rows: readonly RingRow[];
  /** Sequence numbers (moonstream) or record indices (PoC) of unreadable records among those read. */
  readonly torn: readonly number[];
  /** PoC files: empty records skipped, bytes after the last whole record. */
  readonly skipped: number;
  readonly trailingBytes: number;
  /** Moonstream rings: the file is shorter than its header's written slots need (cut by a copy or a full disk). */
  readonly truncated: { readonly bytes: number; readonly expectedBytes: number; /** Records asked for that lie past the end. */ readonly missing: number } | undefined;
}

/**
 * Bytes a moonstream ring must have for the slots its header says are written: the file
 * header and `min(writeCount, capacity)` records (a ring grows as it is written, so unwritten
 * slots need not exist). Undefined when the file is long enough.
 */
export function ringTruncation(size: number, header: Pick<RingFileHeader, 'capacity' | 'writeCount'>): { bytes: number; expectedBytes: number } | undefined {
  const expectedBytes = slotOffset(Math.min(header.writeCount, header.capacity));
  return size < expectedBytes ? { bytes: size, expectedBytes } : undefined;
}

export function kindName(kind: number): RingKindName {
  switch (kind) {
    case RingKind.liquidationV1:
      return 'liquidation-v1';
    case RingKind.liquidationV2:
      return 'liquidation-v2';
    case RingKind.orderbook:
      return 'orderbook';
    default:
      return 'unspecified';
  }
}

/** Read the newest `records` records of a moonstream ring or a PoC frame file. */
export function readRing(file: string, records = DEFAULT_RING_RECORDS): RingView {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw fileError(file, error);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, Math.max(FILE_HEADER_SIZE, POC_OB_RECORD_SIZE)));
    fs.readSync(fd, head, 0, head.length, 0);
    let header: RingFileHeader;
    try {
      header = decodeFileHeader(head);
    } catch (error) {
      if (!(error instanceof RingFormatError)) throw error;
      if (isPocObFile(head)) return readPocFile(file, fs.readFileSync(file), records);
      throw new MoonstreamError('STATE_CORRUPT', `${file}: unreadable as a moonstream ring (${error.message}) or as a PoC ob_heatmap_30s.bin file`);
    }
    return readMoonstreamRing(file, fd, header, size, records);
  } catch (error) {
    if (error instanceof MoonstreamError) throw error;
    throw fileError(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

function readMoonstreamRing(file: string, fd: number, header: RingFileHeader, size: number, records: number): RingView {
  const held = Math.min(header.writeCount, header.capacity);
  const kind = kindName(header.kind);
  const buf = new Uint8Array(RECORD_SIZE);
  const read = (seq: number): RingRecord | undefined => {
    const offset = slotOffset(seq % header.capacity);
    if (offset + RECORD_SIZE > size) return undefined;
    return fs.readSync(fd, buf, 0, RECORD_SIZE, offset) === RECORD_SIZE ? decodeRecord(buf, seq) : undefined;
  };
  const rows: RingRow[] = [];
  const torn: number[] = [];
  let missing = 0;
  const last = header.writeCount;
  for (let seq = Math.max(last - Math.max(0, records), last - held); seq < last; seq++) {
    const r = read(seq);
    if (r) rows.push(rowOf(r, kind));
    // past the end of a truncated file: missing, not torn
    else if (slotOffset(seq % header.capacity) + RECORD_SIZE > size) missing++;
    else torn.push(seq);
  }
  const truncation = ringTruncation(size, header);
  const oldest = held > 0 ? read(last - held) : undefined;
  return {
    file,
    format: 'moonstream-ring',
    kind,
    capacity: header.capacity,
    writeCount: header.writeCount,
    held,
    oldestTs: oldest?.ts ?? rows[0]?.ts,
    newestTs: rows.at(-1)?.ts,
    rows,
    torn,
    skipped: 0,
    trailingBytes: 0,
    truncated: truncation ? { ...truncation, missing } : undefined,
  };
}

function rowOf(r: RingRecord, kind: RingKindName): RingRow {
  let ext: Record<string, unknown> | undefined;
  if (kind === 'liquidation-v1') ext = { ...decodeV1Extension(r.ext) };
  else if (kind === 'liquidation-v2') ext = { ...decodeV2Extension(r.ext) };
  else if (kind === 'orderbook') ext = decodeOrderBookExt(r.ext) as Record<string, unknown> | undefined;
  return { ts: r.ts, src: r.src, priceMin: r.priceMin, priceMax: r.priceMax, step: r.step, nBuckets: r.nBuckets, a: r.a, b: r.b, ext };
}

function readPocFile(file: string, bytes: Uint8Array, records: number): RingView {
  const decoded = decodePocObFile(bytes);
  const rows = decoded.frames.slice(-Math.max(0, records)).map(
    (f): RingRow => ({
      ts: f.ts,
      src: f.src,
      priceMin: f.priceMin,
      priceMax: f.priceMax,
      step: f.step,
      nBuckets: f.nPrices,
      a: f.bid,
      b: f.ask,
      ext: { normP50: f.normP50, normP95: f.normP95, totalBidNotional: f.totalBidNotional, totalAskNotional: f.totalAskNotional },
    }),
  );
  return {
    file,
    format: 'poc-ob-frames',
    kind: 'orderbook',
    capacity: Math.floor(bytes.length / POC_OB_RECORD_SIZE),
    writeCount: decoded.frames.length,
    held: decoded.frames.length,
    oldestTs: decoded.frames[0]?.ts,
    newestTs: decoded.frames.at(-1)?.ts,
    rows,
    torn: [],
    skipped: decoded.skipped,
    trailingBytes: decoded.trailingBytes,
    truncated: undefined,
  };
}

const KIND_TITLE: Record<RingKindName, string> = {
  'liquidation-v1': 'liquidation heatmap V1 history',
  'liquidation-v2': 'liquidation heatmap V2 history',
  orderbook: 'order-book heatmap (30 s frames)',
  unspecified: 'ring',
};

export function renderRing(view: RingView): string {
  const lines: string[] = [];
  const title = view.format === 'poc-ob-frames' ? "the PoC's order-book frames (ob_heatmap_30s.bin)" : KIND_TITLE[view.kind];
  const span = view.oldestTs !== undefined && view.newestTs !== undefined ? ` · ${iso(view.oldestTs)} → ${iso(view.newestTs)} (${minutes((view.newestTs - view.oldestTs) / 60_000)})` : '';
  const held = view.format === 'poc-ob-frames' ? `${int(view.held)} frames` : `${int(view.held)} of ${int(view.capacity)} slots (${int(view.writeCount)} written)`;
  lines.push(`${view.file} · ${title} · ${held}${span}`);
  if (view.truncated) {
    lines.push(
      `  truncated: ${int(view.truncated.bytes)} bytes, header says ${int(view.truncated.expectedBytes)} (${int(FILE_HEADER_SIZE)}-byte header + ${int(Math.min(view.writeCount, view.capacity))} written slots × ${int(RECORD_SIZE)}); ${int(view.truncated.missing)} of the records asked for lie past the end`,
    );
  }
  if (view.torn.length > 0) lines.push(`  ${view.torn.length} unreadable record(s) skipped (torn or uncommitted writes): sequence ${view.torn.slice(0, 5).join(', ')}${view.torn.length > 5 ? ', …' : ''}`);
  if (view.skipped > 0) lines.push(`  ${view.skipped} empty record(s) skipped`);
  if (view.trailingBytes > 0) lines.push(`  ${view.trailingBytes} trailing byte(s) after the last whole record (a torn append)`);
  if (view.rows.length === 0) {
    lines.push('  no records');
    return lines.join('\n');
  }
  const sides = view.kind === 'orderbook' ? ['bid', 'ask'] : ['long', 'short'];
  lines.push(`  newest ${view.rows.length} record(s), oldest first; each side's u8 intensity from the low to the high end of the grid:`);
  const rows: string[][] = [['time', 'src', 'range', 'step', sides[0]!, sides[1]!, 'notes']];
  for (const r of view.rows) {
    const d = priceDecimals(r.step);
    rows.push([iso(r.ts), fmtPrice(r.src, d), `${fmtPrice(r.priceMin, d)}–${fmtPrice(r.priceMax, d)}`, String(r.step), sparkline(r.a, 32), sparkline(r.b, 32), notes(view, r)]);
  }
  lines.push(...table(rows, ['left', 'right', 'right', 'right', 'left', 'left', 'left'], '    '));
  return lines.join('\n');
}

function notes(view: RingView, r: RingRow): string {
  const e = r.ext;
  if (!e) return '';
  if (view.format === 'poc-ob-frames') return `p50 ${usdShort(e.normP50 as number)} · p95 ${usdShort(e.normP95 as number)} · bids ${usdShort(e.totalBidNotional as number)} · asks ${usdShort(e.totalAskNotional as number)}`;
  switch (view.kind) {
    case 'liquidation-v1':
      return `max ${usdShort(e.maxUsd as number)} · stretch p50 ${(e.p50 as number).toFixed(4)} p95 ${(e.p95 as number).toFixed(4)}`;
    case 'liquidation-v2': {
      const long = e.long as { price: number; notional_usd: number }[];
      const short = e.short as { price: number; notional_usd: number }[];
      const top = [...long.map((p) => ['L', p] as const), ...short.map((p) => ['S', p] as const)].sort((a, b) => b[1].notional_usd - a[1].notional_usd)[0];
      const d = priceDecimals(r.step);
      return `pools ${long.length} long / ${short.length} short${top ? ` · top ${top[0]} ${fmtPrice(top[1].price, d)} ${usdShort(top[1].notional_usd)}` : ''}`;
    }
    case 'orderbook':
      return `p95 ${usdShort(e.p95 as number)} · coverage ${Math.round((e.coverage as number) * 100)}% · ${(e.venues as string[]).join('+') || 'no venue'}${((e.flags as number) & 1) !== 0 ? ' · from PoC' : ''}`;
    default:
      return '';
  }
}

export function ringJson(view: RingView): Record<string, unknown> {
  const [a, b] = view.kind === 'orderbook' ? ['bid', 'ask'] : ['long', 'short'];
  return {
    file: view.file,
    format: view.format,
    kind: view.kind,
    capacity: view.capacity,
    write_count: view.writeCount,
    held: view.held,
    oldest_ts: view.oldestTs ?? null,
    newest_ts: view.newestTs ?? null,
    torn: view.torn,
    skipped: view.skipped,
    trailing_bytes: view.trailingBytes,
    truncated: view.truncated ? { bytes: view.truncated.bytes, header_says: view.truncated.expectedBytes, missing: view.truncated.missing } : null,
    records: view.rows.map((r) => ({
      ts: r.ts,
      time: iso(r.ts),
      src: r.src,
      price_min: r.priceMin,
      price_max: r.priceMax,
      step: r.step,
      n_buckets: r.nBuckets,
      [a!]: Array.from(r.a),
      [b!]: Array.from(r.b),
      ext: r.ext ?? null,
    })),
  };
}
