/**
 * `inspect capture FILE`: a capture's header, format, time span and envelope counts by
 * venue and channel, streamed (memory flat in file size) with the same reader replay
 * uses, so it accepts what replay accepts: moonstream JSON lines, plain or gzip, and the
 * hftbacktest `<ns> <json>` Binance recordings.
 */

import { openCapture } from '../capture/reader.js';
import type { CaptureFormat, MalformedLine } from '../capture/reader.js';
import type { CaptureHeader } from '../capture/envelope.js';
import { iso, int, minutes, pct, table } from '../cli/format.js';

export interface CaptureChannelCount {
  readonly venue: string;
  readonly channel: string;
  readonly envelopes: number;
  /** Receive times (epoch ms) of the channel's first and last envelope. */
  readonly first: number;
  readonly last: number;
}

export interface CaptureView {
  readonly file: string;
  readonly format: CaptureFormat | undefined;
  readonly gzip: boolean;
  readonly bytes: number;
  readonly header: CaptureHeader | undefined;
  readonly lines: number;
  readonly envelopes: number;
  readonly malformed: number;
  readonly malformedSamples: readonly MalformedLine[];
  readonly tornTail: { readonly line: number; readonly reason: string } | undefined;
  /** Earliest and latest receive time (epoch ms). */
  readonly first: number | undefined;
  readonly last: number | undefined;
  /** Envelopes whose receive time is earlier than the one before (not fatal; counted). */
  readonly outOfOrder: number;
  readonly byVenue: Readonly<Record<string, number>>;
  /** Sorted by venue, then by count (largest first). */
  readonly channels: readonly CaptureChannelCount[];
}

export async function inspectCapture(file: string): Promise<CaptureView> {
  const reader = openCapture(file);
  const counts = new Map<string, { venue: string; channel: string; envelopes: number; first: number; last: number }>();
  let first: number | undefined;
  let last: number | undefined;
  let previous = -Infinity;
  let outOfOrder = 0;
  for await (const batch of reader) {
    for (const e of batch) {
      const key = `${e.v}\u0000${e.c}`;
      let c = counts.get(key);
      if (!c) {
        c = { venue: e.v, channel: e.c, envelopes: 0, first: e.t, last: e.t };
        counts.set(key, c);
      }
      c.envelopes++;
      if (e.t < c.first) c.first = e.t;
      if (e.t > c.last) c.last = e.t;
      if (first === undefined || e.t < first) first = e.t;
      if (last === undefined || e.t > last) last = e.t;
      if (e.t < previous) outOfOrder++;
      previous = e.t;
    }
  }
  const channels = [...counts.values()].sort((a, b) => (a.venue !== b.venue ? (a.venue < b.venue ? -1 : 1) : b.envelopes - a.envelopes || (a.channel < b.channel ? -1 : 1)));
  const byVenue: Record<string, number> = {};
  for (const c of channels) byVenue[c.venue] = (byVenue[c.venue] ?? 0) + c.envelopes;
  const s = reader.stats;
  return {
    file,
    format: s.format,
    gzip: file.endsWith('.gz'),
    bytes: s.totalBytes,
    header: s.header,
    lines: s.lines,
    envelopes: s.envelopes,
    malformed: s.malformed,
    malformedSamples: s.malformedSamples,
    tornTail: s.tornTail,
    first,
    last,
    outOfOrder,
    byVenue,
    channels,
  };
}

export function renderCapture(v: CaptureView): string {
  const lines: string[] = [];
  const format = v.format === 'hftbacktest' ? 'hftbacktest <ns> <json> lines (Binance)' : v.format === 'moonstream' ? 'moonstream capture' : 'empty';
  lines.push(`${v.file} · ${format}${v.gzip ? ', gzip' : ''} · ${int(v.bytes)} bytes`);
  if (v.header) {
    const { moonstream: _m, version, ...rest } = v.header;
    const extra = Object.entries(rest)
      .map(([k, val]) => `${k} ${k === 'started' && typeof val === 'number' ? iso(val) : Array.isArray(val) ? val.join(',') : String(val)}`)
      .join(' · ');
    lines.push(`  header: version ${version}${extra ? ` · ${extra}` : ''}`);
  } else {
    lines.push('  header: none');
  }
  const span = v.first !== undefined && v.last !== undefined ? `${iso(v.first)} → ${iso(v.last)} (${minutes((v.last - v.first) / 60_000)})` : 'no envelopes';
  lines.push(`  ${int(v.envelopes)} envelopes in ${int(v.lines)} lines · ${span}`);
  if (v.outOfOrder > 0) lines.push(`  ${int(v.outOfOrder)} envelope(s) received earlier than the one before`);
  if (v.malformed > 0) {
    lines.push(`  ${int(v.malformed)} malformed line(s) (replay skips them):`);
    for (const m of v.malformedSamples.slice(0, 5)) lines.push(`    line ${m.line}: ${m.reason}`);
  }
  if (v.tornTail) lines.push(`  line ${v.tornTail.line}: ${v.tornTail.reason}`);
  if (v.channels.length > 0) {
    const rows: string[][] = [['venue', 'channel', 'envelopes', 'share', 'first', 'last']];
    for (const c of v.channels) rows.push([c.venue, c.channel, int(c.envelopes), pct(c.envelopes / v.envelopes), iso(c.first), iso(c.last)]);
    lines.push('', ...table(rows, ['left', 'left', 'right', 'right', 'left', 'left']));
    lines.push('', `  by venue: ${Object.entries(v.byVenue).map(([venue, n]) => `${venue} ${int(n)}`).join(', ')}`);
  }
  return lines.join('\n');
}

export function captureJson(v: CaptureView): Record<string, unknown> {
  return {
    file: v.file,
    format: v.format ?? null,
    gzip: v.gzip,
    bytes: v.bytes,
    header: v.header ?? null,
    lines: v.lines,
    envelopes: v.envelopes,
    malformed: v.malformed,
    malformed_samples: v.malformedSamples.map((m) => ({ line: m.line, reason: m.reason })),
    torn_tail: v.tornTail ?? null,
    first: v.first ?? null,
    last: v.last ?? null,
    out_of_order: v.outOfOrder,
    by_venue: v.byVenue,
    channels: v.channels,
  };
}
