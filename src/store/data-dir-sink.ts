/**
 * The EngineSink that writes the data dir (DESIGN.md section 5):
 *
 * | call            | file                                   | how                          |
 * |-----------------|----------------------------------------|------------------------------|
 * | snapshotV1/V2   | snapshots/{SYM}.v1.json, .v2.json      | atomic JSON, every minute    |
 * | historyRecord   | history/{SYM}.v1.bin, .v2.bin          | ring of 4096-byte records    |
 * | zones           | zones/{SYM}.json                       | atomic JSON, every 60 s      |
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
 * often in wall time; meanwhile only its latest value is kept, and `flush()`/`close()`
 * write it once due / always. Replacing a file by rename costs ~1 ms on ext4 (it flushes
 * the new data), which would otherwise dominate a fast replay. Rings and logs are never
 * coalesced, and the final files are the same bytes either way.
 */

import * as fs from 'node:fs';
import type { EngineSink, HistoryKind, Lazy } from '../engines/ports.js';
import type { SnapshotV1, SnapshotV2 } from '../engines/snapshot-types.js';
import type { ZonesFile } from '../engines/zones.js';
import { writeJsonAtomic } from './atomic-json.js';
import { dataPaths, type DataPaths } from './data-dir.js';
import { JsonlLog, type JsonlLogOptions } from './jsonl-log.js';
import { RingFormatError, RingKind, type RingRecord } from './ring-codec.js';
import { DEFAULT_RING_CAPACITY, RingFile } from './ring-file.js';

export interface DataDirSinkOptions {
  /**
   * fsync the state that cannot be recomputed — weights and zones — on every write
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
  /** Wall clock for `jsonMinIntervalMs` (default Date.now). */
  readonly now?: () => number;
}

export interface DataDirSinkStats {
  jsonWrites: number;
  /** JSON writes superseded by a newer value before they were due. */
  jsonCoalesced: number;
  ringAppends: number;
  logLines: number;
  errors: number;
  ringsReset: number;
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
    this.now = options.now ?? Date.now;
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

  weights(symbol: string, file: unknown): void {
    this.json(this.paths.weights(symbol), () => file, this.fsync);
  }

  calibratorLog(symbol: string, line: Readonly<Record<string, unknown>>, ts: number): void {
    const file = this.paths.calibratorLog(symbol);
    try {
      let log = this.logs.get(file);
      if (!log) {
        log = new JsonlLog(file, this.logOptions);
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

  /** Write buffered log lines and JSON files that are due (called by the engines after every rollover). */
  flush(): void {
    if (this.pendingJson.size > 0) {
      const now = this.now();
      for (const [file, pending] of this.pendingJson) {
        if (now - (this.lastJsonWrite.get(file) ?? -Infinity) >= this.jsonMinInterval) this.writeJson(file, pending.value, pending.durable, now);
      }
    }
    for (const [file, log] of this.logs) {
      try {
        log.flush();
      } catch (error) {
        this.fail(error, file);
      }
    }
  }

  /** Write everything pending, flush and close every file. */
  close(): void {
    for (const [file, pending] of this.pendingJson) this.writeJson(file, pending.value, pending.durable, this.now());
    this.flush();
    for (const log of this.logs.values()) log.close();
    for (const ring of this.rings.values()) ring.close();
    this.logs.clear();
    this.rings.clear();
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
      writeJsonAtomic(file, value(), { fsync: durable });
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
    try {
      return RingFile.open(file, { capacity, kind });
    } catch (error) {
      if (!(error instanceof RingFormatError)) throw error;
      let aside = `${file}.corrupt-${ts}`;
      for (let n = 1; fs.existsSync(aside); n++) aside = `${file}.corrupt-${ts}-${n}`;
      fs.renameSync(file, aside);
      this.stats.ringsReset++;
      this.onWarning(`${file} is not a readable ring (${error.message}); moved aside to ${aside}, starting a new one`);
      return RingFile.open(file, { capacity, kind });
    }
  }

  private fail(error: unknown, file: string): void {
    this.stats.errors++;
    this.onError(error, file);
  }
}
