/** An EngineSink that keeps everything in memory (tests, the dashboard's demo). */

import type { RingRecord } from '../store/ring-codec.js';
import type { EngineCheckpoint } from './checkpoint.js';
import type { EngineSink, HistoryKind, Lazy } from './ports.js';
import type { SnapshotV1, SnapshotV2 } from './snapshot-types.js';
import type { ZonesFile } from './zones.js';

export interface MemorySinkOptions {
  /** Keep at most this many of each list, newest last (default: all). */
  readonly limit?: number;
}

export class MemorySink implements EngineSink {
  readonly v1: { readonly symbol: string; readonly snapshot: SnapshotV1 }[] = [];
  readonly v2: { readonly symbol: string; readonly snapshot: SnapshotV2 }[] = [];
  readonly history: { symbol: string; kind: HistoryKind; record: RingRecord }[] = [];
  readonly zoneFiles: { symbol: string; file: ZonesFile }[] = [];
  /** Built when handed over: a checkpoint describes the engine when built (ports.ts). */
  readonly checkpoints: { symbol: string; file: EngineCheckpoint }[] = [];
  readonly weightFiles: { symbol: string; file: unknown }[] = [];
  readonly logs: { symbol: string; line: Readonly<Record<string, unknown>>; ts: number }[] = [];
  readonly orderbookFrames: { symbol: string; record: RingRecord }[] = [];
  readonly orderbookStatsList: { symbol: string; stats: Readonly<Record<string, unknown>> }[] = [];
  flushes = 0;
  private readonly limit: number;

  constructor(options: MemorySinkOptions = {}) {
    this.limit = options.limit ?? Infinity;
  }

  /** Kept lazily: `v1[i].snapshot` builds it on first read (most tests read a few of many). */
  snapshotV1(symbol: string, snapshot: Lazy<SnapshotV1>): void {
    this.keep(this.v1, {
      symbol,
      get snapshot() {
        return snapshot();
      },
    });
  }

  snapshotV2(symbol: string, snapshot: Lazy<SnapshotV2>): void {
    this.keep(this.v2, {
      symbol,
      get snapshot() {
        return snapshot();
      },
    });
  }

  historyRecord(symbol: string, kind: HistoryKind, record: RingRecord): void {
    this.keep(this.history, { symbol, kind, record });
  }

  zones(symbol: string, file: ZonesFile): void {
    this.keep(this.zoneFiles, { symbol, file });
  }

  checkpoint(symbol: string, file: Lazy<EngineCheckpoint>): void {
    this.keep(this.checkpoints, { symbol, file: file() });
  }

  weights(symbol: string, file: unknown): void {
    this.keep(this.weightFiles, { symbol, file });
  }

  calibratorLog(symbol: string, line: Readonly<Record<string, unknown>>, ts: number): void {
    this.keep(this.logs, { symbol, line, ts });
  }

  orderbookFrame(symbol: string, record: RingRecord): void {
    this.keep(this.orderbookFrames, { symbol, record });
  }

  orderbookStats(symbol: string, stats: Readonly<Record<string, unknown>>): void {
    this.keep(this.orderbookStatsList, { symbol, stats });
  }

  flush(): void {
    this.flushes++;
  }

  /** Log lines of one type (and symbol). */
  linesOf(type: string, symbol?: string): Readonly<Record<string, unknown>>[] {
    return this.logs.filter((l) => l.line.type === type && (symbol === undefined || l.symbol === symbol)).map((l) => l.line);
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > this.limit) list.shift();
  }
}
