/**
 * Replay: stream captures through the same pipeline `live` uses (normalizers →
 * EngineManager → per-symbol engines → data-dir writers), with time taken from the
 * capture. At speed 0 as fast as possible; at speed N the envelopes' receive times are
 * paced N× faster than they were recorded.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaptureHeader, Envelope } from '../capture/envelope.js';
import { openCapture, type CaptureReader, type MalformedLine } from '../capture/reader.js';
import { MoonstreamError } from '../errors.js';
import type { SymbolEngine } from '../engines/symbol-engine.js';
import { assertConfiguredSymbols, assertDataDir, createRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';
import type { PipelineCounts } from '../pipeline.js';

export interface ReplayOptions {
  readonly files: readonly string[];
  readonly dataDir: string;
  readonly symbols?: readonly string[];
  /** 0 = as fast as possible (default), 1 = capture pace, N = N× pace. */
  readonly speed?: number;
  /** Only envelopes received at or after this time (epoch ms). */
  readonly from?: number;
  /** Only envelopes received at or before this time (epoch ms). */
  readonly to?: number;
  /** Stop at the first malformed line. */
  readonly strict?: boolean;
  /** Start from an empty data dir: remove the state files a previous run left (default false: continue from them). */
  readonly fresh?: boolean;
  /** Runtime overrides (calibrator, order book, sink options); tests and audit use them. */
  readonly runtime?: Partial<Omit<RuntimeOptions, 'dataDir' | 'symbols'>>;
  /** Called about 4 times a second with progress (never in the hot loop otherwise). */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** One-line warnings. */
  readonly onWarning?: (message: string) => void;
  /** Wall clock in ms (default performance.now) and sleep, for pacing; tests inject them. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Stop early (Ctrl-C): reading stops at the next batch (or paced envelope), the runtime
   * closes normally — every buffered ring record and log line is written — and the summary
   * of what was replayed comes back with `interrupted: true`.
   */
  readonly signal?: AbortSignal;
}

export interface ReplayProgress {
  readonly file: string;
  readonly fileIndex: number;
  readonly files: number;
  /** 0…1 of all files: within a file, by event time when its header gives the span, else by bytes read (each file weighted by its size). */
  readonly fraction: number;
  readonly envelopes: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  /** Receive time reached, epoch ms. */
  readonly reached: number | undefined;
  readonly etaSeconds: number | undefined;
}

type SideTally = { count: number; notional: number };

/** The replay summary; these keys are stable (scripts read `--json`), more may be added. */
export interface ReplaySummary {
  readonly files: readonly string[];
  readonly dataDir: string;
  readonly envelopes: number;
  readonly malformedLines: number;
  /** The first malformed lines, with their file and line number. */
  readonly malformedSamples: readonly MalformedLine[];
  readonly tornTails: readonly { readonly file: string; readonly line: number; readonly reason: string }[];
  /** Envelopes outside --from/--to. */
  readonly skippedByTime: number;
  readonly events: PipelineCounts['events'];
  readonly eventsByVenue: PipelineCounts['eventsByVenue'];
  readonly dropped: PipelineCounts['dropped'];
  readonly control: PipelineCounts['control'];
  readonly liquidations: Record<string, Record<string, { long: SideTally; short: SideTally }>>;
  readonly orderbook: Record<string, Record<string, { synced: boolean; applied: number; gaps: number; resyncs: number }>>;
  readonly calibrator: Record<string, { events: number; calibrations: number; held: number }>;
  readonly zones: Record<string, { active: number; swept: number; expired: number; created: number }>;
  readonly firstEventTime: number | undefined;
  readonly lastEventTime: number | undefined;
  readonly wallSeconds: number;
  readonly eventsPerSecond: number;
  /** Stopped early by the `signal` (Ctrl-C): the counts cover what was replayed. */
  readonly interrupted: boolean;
}

/** The files a run leaves in a data dir (DESIGN.md section 5), removed by `fresh`. */
const STATE_DIRS = ['weights', 'zones', 'state', 'snapshots', 'logs', 'history', 'orderbook'] as const;

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  if (options.files.length === 0) throw new MoonstreamError('USAGE', 'replay needs at least one capture file');
  if (options.symbols) assertConfiguredSymbols(options.symbols);
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) {
    throw new MoonstreamError('USAGE', `--from ${new Date(options.from).toISOString()} is after --to ${new Date(options.to).toISOString()}: nothing to replay`);
  }
  assertDataDir(options.dataDir);
  // open every file first, so a missing one fails before anything is written
  const readers = options.files.map((file) => openCapture(file, { strict: options.strict ?? false }));
  if (options.fresh) clearDataDir(options.dataDir);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const runtime = createRuntime({
    ...options.runtime,
    dataDir: options.dataDir,
    ...(options.symbols ? { symbols: options.symbols } : {}),
    sink: { fsync: false, jsonMinIntervalMs: 1000, bufferIntervalMs: 1000, ...options.runtime?.sink },
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const speed = options.speed ?? 0;
  const totalBytes = readers.reduce((sum, r) => sum + r.stats.totalBytes, 0);
  const started = now();
  let events = 0;
  let skippedByTime = 0;
  let pace: { wall: number; t: number } | undefined;
  let lastProgress = started;
  let bytesBefore = 0;
  const signal = options.signal;
  // a paced wait ends early on abort (and leaves no timer behind to hold the process)
  const pausable = (ms: number): Promise<void> => {
    if (!signal) return sleep(ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      if (options.sleep) void options.sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
  };
  try {
    files: for (let i = 0; i < readers.length; i++) {
      const reader = readers[i]!;
      const span: TimeSpan = { first: undefined, reached: undefined, end: undefined };
      const report = () => {
        const wall = now();
        if (!options.onProgress || wall - lastProgress < 250) return;
        lastProgress = wall;
        span.end ??= spanEnd(reader.stats.header, options.to);
        const fileFraction = progressFraction({ bytesRead: reader.stats.bytesRead, totalBytes: reader.stats.totalBytes, first: span.first, reached: span.reached, end: span.end });
        const fraction = totalBytes > 0 ? Math.min(1, (bytesBefore + fileFraction * reader.stats.totalBytes) / totalBytes) : 1;
        options.onProgress(progressOf(reader, i, readers.length, fraction, runtime, events, (wall - started) / 1000));
      };
      if (signal?.aborted) break;
      for await (const batch of reader) {
        if (speed <= 0 && options.from === undefined && options.to === undefined) {
          events += runtime.pipeline.handleBatch(batch);
          if (batch.length > 0) {
            span.first ??= batch[0]!.t;
            span.reached = batch[batch.length - 1]!.t;
          }
        } else {
          for (const envelope of batch) {
            if ((options.from !== undefined && envelope.t < options.from) || (options.to !== undefined && envelope.t > options.to)) {
              skippedByTime++;
              continue;
            }
            if (speed > 0) {
              pace ??= { wall: now(), t: envelope.t };
              const due = pace.wall + (envelope.t - pace.t) / speed;
              const wait = due - now();
              if (wait > 2) {
                report();
                await pausable(wait);
                if (signal?.aborted) break files;
              }
            }
            events += runtime.pipeline.handle(envelope);
            span.first ??= envelope.t;
            span.reached = envelope.t;
          }
        }
        report();
        if (signal?.aborted) break files;
      }
      bytesBefore += reader.stats.totalBytes;
    }
    runtime.close();
  } catch (error) {
    runtime.close();
    throw error;
  }
  const wallSeconds = (now() - started) / 1000;
  const summary = summarize(options, readers, runtime, events, skippedByTime, wallSeconds, signal?.aborted === true);
  // an interrupted replay reports what it got through, even nothing
  if (summary.interrupted) return summary;
  if (summary.envelopes === 0) {
    throw new MoonstreamError('CAPTURE_EMPTY', `${options.files.join(', ')}: no envelopes to replay`);
  }
  const marketEvents = Object.entries(summary.events).reduce((n, [type, count]) => (type === 'tick' || type === 'disconnect' ? n : n + (count ?? 0)), 0);
  if (marketEvents === 0) {
    throw new MoonstreamError('CAPTURE_EMPTY', `${options.files.join(', ')}: no known venue messages in ${summary.envelopes} envelopes`);
  }
  return summary;
}

interface TimeSpan {
  /** Receive time of the file's first replayed envelope. */
  first: number | undefined;
  /** Receive time of the last envelope handed to the pipeline. */
  reached: number | undefined;
  /** Where the file's replay ends, when known (header span, or --to). */
  end: number | undefined;
}

/**
 * Where a capture ends, from its header: an explicit `ended`/`end` (epoch ms), else
 * `started + minutes` (`moonstream simulate` writes both); `--to` cuts it shorter.
 * Undefined when neither is known (a live recording's header has only `started`).
 */
export function spanEnd(header: CaptureHeader | undefined, to?: number): number | undefined {
  let end: number | undefined;
  const explicit = header?.ended ?? header?.end;
  if (typeof explicit === 'number' && Number.isFinite(explicit)) end = explicit;
  else if (typeof header?.started === 'number' && typeof header.minutes === 'number' && header.minutes > 0) end = header.started + header.minutes * 60_000;
  if (to !== undefined) end = end === undefined ? to : Math.min(end, to);
  return end;
}

export interface FractionInput {
  /** Bytes the reader has taken from the file (compressed for gzip, read ahead in 1 MiB chunks). */
  readonly bytesRead: number;
  readonly totalBytes: number;
  /** Receive time of the first envelope replayed from this file. */
  readonly first: number | undefined;
  /** Receive time of the last envelope the pipeline has handled. */
  readonly reached: number | undefined;
  /** Where the replay of this file ends (spanEnd), if known. */
  readonly end: number | undefined;
}

/**
 * How far through one file the replay is, 0…1. By event time when the span is known —
 * it tracks the events actually handled, whereas bytes read run ahead of them (read-ahead,
 * and gzip's compressed bytes say little about where in the stream the pipeline is);
 * else by bytes read.
 */
export function progressFraction(p: FractionInput): number {
  if (p.first !== undefined && p.reached !== undefined && p.end !== undefined && p.end > p.first) {
    return Math.min(1, Math.max(0, (p.reached - p.first) / (p.end - p.first)));
  }
  return p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
}

function progressOf(reader: CaptureReader, fileIndex: number, files: number, fraction: number, runtime: Runtime, events: number, elapsed: number): ReplayProgress {
  const counts = runtime.pipeline.counts();
  return {
    file: reader.file,
    fileIndex,
    files,
    fraction,
    envelopes: counts.envelopes,
    events,
    eventsPerSecond: elapsed > 0 ? events / elapsed : 0,
    reached: counts.lastEnvelopeTime,
    etaSeconds: fraction > 0.01 ? (elapsed / fraction) * (1 - fraction) : undefined,
  };
}

function summarize(
  options: ReplayOptions,
  readers: readonly CaptureReader[],
  runtime: Runtime,
  events: number,
  skippedByTime: number,
  wallSeconds: number,
  interrupted: boolean,
): ReplaySummary {
  const counts = runtime.pipeline.counts();
  const orderbook: ReplaySummary['orderbook'] = {};
  const calibrator: ReplaySummary['calibrator'] = {};
  const zones: ReplaySummary['zones'] = {};
  for (const symbol of runtime.manager.symbols) {
    const engine = runtime.manager.get(symbol)!;
    orderbook[symbol] = orderbookSummary(engine);
    calibrator[symbol] = calibratorSummary(engine);
    const z = engine.zones.summary();
    zones[symbol] = {
      active: z.active_zones_long + z.active_zones_short,
      swept: z.zones_swept_total,
      expired: z.zones_expired_total,
      created: z.zones_created_total,
    };
  }
  const malformedSamples = readers.flatMap((r) => r.stats.malformedSamples).slice(0, 20);
  return {
    files: options.files,
    dataDir: options.dataDir,
    envelopes: counts.envelopes,
    malformedLines: readers.reduce((n, r) => n + r.stats.malformed, 0),
    malformedSamples,
    tornTails: readers.flatMap((r) => (r.stats.tornTail ? [{ file: r.file, ...r.stats.tornTail }] : [])),
    skippedByTime,
    events: counts.events,
    eventsByVenue: counts.eventsByVenue,
    dropped: counts.dropped,
    control: counts.control,
    liquidations: counts.liquidations as ReplaySummary['liquidations'],
    orderbook,
    calibrator,
    zones,
    firstEventTime: counts.firstEnvelopeTime,
    lastEventTime: counts.lastEnvelopeTime,
    wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    eventsPerSecond: wallSeconds > 0 ? Math.round(events / wallSeconds) : 0,
    interrupted,
  };
}

/** Per-venue book state from the order-book slot's stats (a slot without books reports none). */
function orderbookSummary(engine: SymbolEngine): ReplaySummary['orderbook'][string] {
  const stats = engine.orderBook.stats() as { venues?: Record<string, Record<string, unknown>> };
  const out: ReplaySummary['orderbook'][string] = {};
  for (const [venue, s] of Object.entries(stats.venues ?? {})) {
    out[venue] = {
      synced: s.synced === true,
      applied: num(s.diffs_applied ?? s.applied),
      gaps: num(s.gaps),
      resyncs: num(s.resyncs),
    };
  }
  return out;
}

function calibratorSummary(engine: SymbolEngine): ReplaySummary['calibrator'][string] {
  const c = engine.calibrator.counters();
  const e = engine.counters();
  return {
    events: num(c.total_events ?? c.events ?? e.calibratorLiquidations),
    calibrations: num(c.calibrations),
    held: num(e.calibratorHeld),
  };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function clearDataDir(dir: string): void {
  for (const sub of STATE_DIRS) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
}

export type { Envelope };
