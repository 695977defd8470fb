/**
 * The EngineSink that writes the data dir (DESIGN.md section 5):
 *
 * | call            | file                                   | how                          |
 * |-----------------|----------------------------------------|------------------------------|
 * | snapshotV1/V2   | snapshots/{SYM}.v1.json, .v2.json      | atomic JSON, every minute    |
 * | historyRecord   | history/{SYM}.v1.bin, .v2.bin          | ring of 4096-byte records    |
 * | zones           | zones/{SYM}.json                       | atomic JSON, every 60 s      |
 * | checkpoint      | state/{SYM}.json                       | atomic JSON, every 60 s      |
 * | weights         | weights/{SYM}.json                     | atomic JSON, each calibration|
 * | calibratorLog   | logs/calibrator-{SYM}.jsonl            | JSON lines, rotated          |
 * | orderbookFrame  | orderbook/{SYM}.bin                    | ring of 4096-byte records    |
 * | orderbookStats  | orderbook/{SYM}.stats.json             | atomic JSON                  |
 *
 * Everything written derives from event time, so the same events give the same bytes.
 * A ring file whose header is unreadable is moved aside (`.corrupt-<record ts>`) and
 * started afresh, with a warning. A failed write goes to `onError` (default: thrown).
 *
 * `jsonMinIntervalMs` (replay at full speed): a JSON state file is rewritten at most that
 * often in wall time; meanwhile only its latest value is kept (snapshots arrive as
 * thunks: one superseded is never even built), and `flush()`/`close()` write it once
 * due / always. Replacing a file by rename costs ~1 ms on ext4 (it flushes the new
 * data), which would otherwise dominate a fast replay. `bufferIntervalMs` does the same
 * for rings and logs without dropping anything: their records and lines are kept in
 * order and written at most that often, one write per file. The final files are the
 * same bytes either way.
 *
 * `queued` (live): every write goes through a FileQueue — serialized here, on the main
 * thread, then written in order per file on libuv's threadpool, so neither a busy disk
 * nor an fsync blocks the event loop. `close()` queues the last writes; `drain()`
 * resolves once everything is on disk (live's stop awaits it).
 */

import * as fs from 'node:fs';
import type { EngineCheckpoint } from '../engines/checkpoint.js';
import type { EngineSink, HistoryKind, Lazy } from '../engines/ports.js';
import type { SnapshotV1, SnapshotV2 } from '../engines/snapshot-types.js';
import type { ZonesFile } from '../engines/zones.js';
import { jsonFileText, writeJsonAtomic } from './atomic-json.js';
import { dataPaths, type DataPaths } from './data-dir.js';
import { FileQueue, type FileQueueStats } from './file-queue.js';
import { JsonlLog, type JsonlLogOptions } from './jsonl-log.js';
import { RingFormatError, RingKind, type RingRecord } from './ring-codec.js';
import { DEFAULT_RING_CAPACITY, RingFile } from './ring-file.js';

export interface DataDirSinkOptions {
  /**
   * fsync the state that cannot be recomputed — weights, zones, the engine checkpoint — on every write
   * (default true; a replay may turn it off: a crash only costs a re-run). Files the
   * engines rebuild every minute or 30 s (snapshots, order-book stats) are still written
   * atomically but never fsynced, and ring records never are: their CRC and sequence
   * number already expose a record a crash tore. An fsync costs about a millisecond on
   * the event loop; per ring record and snapshot it made live rollovers take 8–44 ms.
   */
  readonly fsync?: boolean;
  /** Slots of a new history ring (default 1440: a day of minutes). */
  readonly historyCapacity?: number;
  /** Slots of a new order-book ring (default 1440: 12 h of 30 s frames). */
  readonly orderbookCapacity?: number;
  /** Rotation and buffering of the calibrator logs (default 200 MB / 24 h). */
  readonly log?: JsonlLogOptions;
  /** A write failed (default: rethrow). The sink keeps going after this returns. */
  readonly onError?: (error: unknown, file: string) => void;
  /** One-line warnings (a corrupt ring moved aside). */
  readonly onWarning?: (message: string) => void;
  /** Rewrite each JSON state file at most this often, wall time (default 0: every call). */
  readonly jsonMinIntervalMs?: number;
  /** Write ring records and log lines at most this often, wall time, in order (default 0: at every flush). */
  readonly bufferIntervalMs?: number;
  /** Wall clock for `jsonMinIntervalMs` and `bufferIntervalMs` (default Date.now). */
  readonly now?: () => number;
  /**
   * Write off the event loop, through a FileQueue (default false: synchronous writes,
   * which replay keeps: simple and deterministic). Errors and refusals go to `onError`.
   */
  readonly queued?: boolean;
  /** Bytes of ring records and log lines allowed to wait for the disk when `queued` (default 64 MiB). */
  readonly maxPendingBytes?: number;
}

export interface DataDirSinkStats {
  jsonWrites: number;
  /** JSON writes superseded by a newer value before they were due. */
  jsonCoalesced: number;
  ringAppends: number;
  logLines: number;
  errors: number;
  ringsReset: number;
  /** The write queue's counters when `queued` (backpressure: `waited`, `refused`, `peakPendingBytes`). */
  queue?: Readonly<FileQueueStats>;
}

export class DataDirSink implements EngineSink {
  readonly paths: DataPaths;
  private readonly fsync: boolean;
  private readonly historyCapacity: number;
  private readonly orderbookCapacity: number;
  private readonly logOptions: JsonlLogOptions;
  private readonly onError: (error: unknown, file: string) => void;
  private readonly onWarning: (message: string) => void;
  private readonly rings = new Map<string, RingFile>();
  private readonly logs = new Map<string, JsonlLog>();
  private readonly jsonMinInterval: number;
  private readonly now: () => number;
  private readonly lastJsonWrite = new Map<string, number>();
  private readonly bufferInterval: number;
  private lastBufferWrite = -Infinity;
  private readonly queue: FileQueue | undefined;
  /** Coalesced JSON values not yet written: built only if they are (a snapshot superseded in time never is). */
  private readonly pendingJson = new Map<string, { value: Lazy<unknown>; durable: boolean }>();
  readonly stats: DataDirSinkStats = { jsonWrites: 0, jsonCoalesced: 0, ringAppends: 0, logLines: 0, errors: 0, ringsReset: 0 };

  constructor(root: string, options: DataDirSinkOptions = {}) {
    this.paths = dataPaths(root);
    this.fsync = options.fsync ?? true;
    this.historyCapacity = options.historyCapacity ?? DEFAULT_RING_CAPACITY;
    this.orderbookCapacity = options.orderbookCapacity ?? DEFAULT_RING_CAPACITY;
    this.logOptions = options.log ?? {};
    this.onError =
      options.onError ??
      ((error) => {
        throw error;
      });
    this.onWarning = options.onWarning ?? (() => undefined);
    this.jsonMinInterval = options.jsonMinIntervalMs ?? 0;
    this.bufferInterval = options.bufferIntervalMs ?? 0;
    this.now = options.now ?? Date.now;
    if (options.queued) {
      this.queue = new FileQueue({
        onError: (error, file) => {
          try {
            this.fail(error, file);
          } catch {
            // a throwing onError has nowhere to go from a write callback: it stays counted in stats.errors
          }
        },
        ...(options.maxPendingBytes !== undefined ? { maxPendingBytes: options.maxPendingBytes } : {}),
      });
      this.stats.queue = this.queue.stats;
    }
  }

  snapshotV1(symbol: string, snapshot: Lazy<SnapshotV1>): void {
    this.json(this.paths.snapshotV1(symbol), snapshot, false);
  }

  snapshotV2(symbol: string, snapshot: Lazy<SnapshotV2>): void {
    this.json(this.paths.snapshotV2(symbol), snapshot, false);
  }

  historyRecord(symbol: string, kind: HistoryKind, record: RingRecord): void {
    const file = kind === 'v1' ? this.paths.historyV1(symbol) : this.paths.historyV2(symbol);
    this.append(file, kind === 'v1' ? RingKind.liquidationV1 : RingKind.liquidationV2, this.historyCapacity, record);
  }

  zones(symbol: string, file: ZonesFile): void {
    this.json(this.paths.zones(symbol), () => file, this.fsync);
  }

  checkpoint(symbol: string, file: Lazy<EngineCheckpoint>): void {
    this.json(this.paths.state(symbol), file, this.fsync);
  }

  weights(symbol: string, file: unknown): void {
    this.json(this.paths.weights(symbol), () => file, this.fsync);
  }

  calibratorLog(symbol: string, line: Readonly<Record<string, unknown>>, ts: number): void {
    const file = this.paths.calibratorLog(symbol);
    try {
      let log = this.logs.get(file);
      if (!log) {
        log = new JsonlLog(file, this.queue ? { ...this.logOptions, queue: this.queue } : this.logOptions);
        this.logs.set(file, log);
      }
      log.append(line, ts);
      this.stats.logLines++;
    } catch (error) {
      this.fail(error, file);
    }
  }

  orderbookFrame(symbol: string, record: RingRecord): void {
    this.append(this.paths.orderbookRing(symbol), RingKind.orderbook, this.orderbookCapacity, record);
  }

  orderbookStats(symbol: string, stats: Readonly<Record<string, unknown>>): void {
    this.json(this.paths.orderbookStats(symbol), () => stats, false);
  }

  /** Write buffered log lines, ring records and JSON files that are due (called by the engines after every rollover). */
  flush(): void {
    this.writeDue(false);
  }

  /** Write everything pending, flush and close every file (queued: `drain()` waits for the disk). */
  close(): void {
    for (const [file, pending] of this.pendingJson) this.writeJson(file, pending.value, pending.durable, this.now());
    this.writeDue(true);
    for (const [file, log] of this.logs) this.attempt(file, () => log.close());
    for (const [file, ring] of this.rings) this.attempt(file, () => ring.close());
    this.logs.clear();
    this.rings.clear();
  }

  /** Resolves once every queued write is on disk (at once when not `queued`). */
  drain(): Promise<void> {
    return this.queue?.drain() ?? Promise.resolve();
  }

  private writeDue(all: boolean): void {
    const now = this.pendingJson.size > 0 || this.bufferInterval > 0 ? this.now() : 0;
    if (this.pendingJson.size > 0 && !all) {
      for (const [file, pending] of this.pendingJson) {
        if (now - (this.lastJsonWrite.get(file) ?? -Infinity) >= this.jsonMinInterval) this.writeJson(file, pending.value, pending.durable, now);
      }
    }
    if (!all && this.bufferInterval > 0) {
      if (now - this.lastBufferWrite < this.bufferInterval) return;
      this.lastBufferWrite = now;
    }
    for (const [file, log] of this.logs) this.attempt(file, () => log.flush());
    for (const [file, ring] of this.rings) this.attempt(file, () => ring.flush());
  }

  private attempt(file: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.fail(error, file);
    }
  }

  private json(file: string, value: Lazy<unknown>, durable: boolean): void {
    if (this.jsonMinInterval > 0) {
      const now = this.now();
      if (now - (this.lastJsonWrite.get(file) ?? -Infinity) < this.jsonMinInterval) {
        if (this.pendingJson.has(file)) this.stats.jsonCoalesced++;
        this.pendingJson.set(file, { value, durable });
        return;
      }
      this.writeJson(file, value, durable, now);
      return;
    }
    this.writeJson(file, value, durable, 0);
  }

  private writeJson(file: string, value: Lazy<unknown>, durable: boolean, now: number): void {
    this.pendingJson.delete(file);
    this.lastJsonWrite.set(file, now);
    try {
      if (this.queue) this.queue.replace(file, jsonFileText(value()), durable);
      else writeJsonAtomic(file, value(), { fsync: durable });
      this.stats.jsonWrites++;
    } catch (error) {
      this.fail(error, file);
    }
  }

  private append(file: string, kind: number, capacity: number, record: RingRecord): void {
    try {
      let ring = this.rings.get(file);
      if (!ring) {
        ring = this.openRing(file, kind, capacity, record.ts);
        this.rings.set(file, ring);
      }
      ring.append(record);
      this.stats.ringAppends++;
    } catch (error) {
      this.fail(error, file);
    }
  }

  private openRing(file: string, kind: number, capacity: number, ts: number): RingFile {
    const options = { capacity, kind, deferWrites: this.bufferInterval > 0, ...(this.queue ? { queue: this.queue } : {}) };
    try {
      return RingFile.open(file, options);
    } catch (error) {
      if (!(error instanceof RingFormatError)) throw error;
      let aside = `${file}.corrupt-${ts}`;
      for (let n = 1; fs.existsSync(aside); n++) aside = `${file}.corrupt-${ts}-${n}`;
      fs.renameSync(file, aside);
      this.stats.ringsReset++;
      this.onWarning(`${file} is not a readable ring (${error.message}); moved aside to ${aside}, starting a new one`);
      return RingFile.open(file, options);
    }
  }

  private fail(error: unknown, file: string): void {
    this.stats.errors++;
    this.onError(error, file);
  }
}
