/**
 * Where each state file lives in a data dir (DESIGN.md section 5). All files are per
 * symbol. One place, so writers, `inspect`, `audit` and the API agree.
 */

import * as path from 'node:path';

export const DEFAULT_DATA_DIR = 'moonstream-data';

export interface DataPaths {
  readonly root: string;
  /** Calibrated leverage weights: atomic JSON, each calibration. */
  weights(symbol: string): string;
  /** The PoC's weights file dropped into the data dir; read (and migrated) only when `weights(symbol)` is absent. */
  pocWeights(symbol: string): string;
  /** Active liquidation zones: atomic JSON, every 60 s of event time. */
  zones(symbol: string): string;
  /** Engine checkpoint (inventory, tape, OI baselines, …; src/engines/checkpoint.ts): atomic JSON, every 60 s and at shutdown. */
  state(symbol: string): string;
  /** Latest V1 heatmap snapshot: atomic JSON, every minute. */
  snapshotV1(symbol: string): string;
  /** Latest V2 heatmap snapshot (pools, stats): atomic JSON, every minute. */
  snapshotV2(symbol: string): string;
  /** Calibrator events, approaches and calibrations: JSON lines, rotated. */
  calibratorLog(symbol: string): string;
  /** Minute history of the V1 heatmap: ring of 4096-byte records. */
  historyV1(symbol: string): string;
  /** Minute history of the V2 heatmap: ring of 4096-byte records. */
  historyV2(symbol: string): string;
  /** 30 s order-book heatmap frames: ring of 4096-byte records. */
  orderbookRing(symbol: string): string;
  /** Order-book reconstruction stats: atomic JSON, periodically. */
  orderbookStats(symbol: string): string;
}

export function dataPaths(root: string = DEFAULT_DATA_DIR): DataPaths {
  const at = (...parts: string[]) => path.join(root, ...parts);
  return {
    root,
    weights: (s) => at('weights', `${s}.json`),
    pocWeights: (s) => at(`liq_calibrator_weights_${s}.json`),
    zones: (s) => at('zones', `${s}.json`),
    state: (s) => at('state', `${s}.json`),
    snapshotV1: (s) => at('snapshots', `${s}.v1.json`),
    snapshotV2: (s) => at('snapshots', `${s}.v2.json`),
    calibratorLog: (s) => at('logs', `calibrator-${s}.jsonl`),
    historyV1: (s) => at('history', `${s}.v1.bin`),
    historyV2: (s) => at('history', `${s}.v2.bin`),
    orderbookRing: (s) => at('orderbook', `${s}.bin`),
    orderbookStats: (s) => at('orderbook', `${s}.stats.json`),
  };
}
