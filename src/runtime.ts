/**
 * Builds the pieces every running pipeline needs — normalizers, engines with their
 * calibrator and order-book slots, the data-dir writer, the restore of a previous run —
 * in one place, so `live`, `replay` and `audit` cannot drift apart.
 */

import type { Venue } from './events.js';
import { EngineManager } from './engines/manager.js';
import { liquidationCalibrator } from './engines/calibrator/index.js';
import type { CalibratorFactory, EngineSink, OrderBookFactory } from './engines/ports.js';
import { orderBookFactory } from './engines/orderbook/port.js';
import { DEFAULT_SYMBOLS } from './engines/symbol-config.js';
import { assertConfiguredSymbols, assertDataDir } from './preflight.js';
import { Pipeline } from './pipeline.js';
import { DataDirSink, type DataDirSinkOptions } from './store/data-dir-sink.js';
import { engineStateLoader } from './store/engine-state.js';
import { createNormalizers, type Normalizers } from './venues/index.js';

export { assertConfiguredSymbols, assertDataDir };

export interface RuntimeOptions {
  /** Data dir the sink writes and the restore reads. */
  readonly dataDir: string;
  /** Symbols to run engines for (default BTC, ETH, SOL). */
  readonly symbols?: readonly string[];
  /** Continue from the data dir's zones and weights (default true). */
  readonly restore?: boolean;
  /** Data-dir writer options (fsync, JSON write interval, log rotation). */
  readonly sink?: DataDirSinkOptions;
  /** Write somewhere else than the data dir (tests keep output in memory); the restore still reads `dataDir`. */
  readonly engineSink?: EngineSink;
  /** Calibrator slot (default: the learning calibrator, `liquidationCalibrator`; pass `nullCalibrator` for none). */
  readonly calibrator?: CalibratorFactory;
  /** Order-book slot (default: the order books of every venue and the 30 s heatmap; `nullOrderBook` for none). */
  readonly orderBook?: OrderBookFactory;
  /** One-line warnings (corrupt files moved aside, restores rejected). */
  readonly onWarning?: (message: string) => void;
  /** A book lost sync and needs a REST snapshot (live fetches one; replay waits for the recorded one). */
  readonly onBookResync?: (symbol: string, venue: Venue, reason: string) => void;
}

export interface Runtime {
  readonly pipeline: Pipeline;
  readonly manager: EngineManager;
  readonly normalizers: Normalizers;
  /** The data-dir writer, or the `engineSink` given. */
  readonly sink: EngineSink;
  /** Write the final state (zones, buffered logs, coalesced JSON) and close the files. */
  close(): void;
  /** Resolves once every write handed to the disk is done (a queued sink writes after `close()`). */
  drain(): Promise<void>;
}

export function createRuntime(options: RuntimeOptions): Runtime {
  assertConfiguredSymbols(options.symbols ?? DEFAULT_SYMBOLS);
  assertDataDir(options.dataDir);
  const warn = options.onWarning;
  const sink: EngineSink = options.engineSink ?? new DataDirSink(options.dataDir, { ...(warn ? { onWarning: warn } : {}), ...options.sink });
  const normalizers = createNormalizers();
  const manager = new EngineManager({
    symbols: options.symbols ?? DEFAULT_SYMBOLS,
    engine: {
      sink,
      calibrator: options.calibrator ?? liquidationCalibrator,
      orderBook: options.orderBook ?? orderBookFactory,
      ...(warn ? { onWarning: warn } : {}),
      ...(options.onBookResync ? { onBookResync: options.onBookResync } : {}),
    },
    ...(options.restore === false ? {} : { restore: engineStateLoader(options.dataDir, warn ? { onWarning: warn } : {}) }),
  });
  const pipeline = new Pipeline(normalizers, manager);
  let closed = false;
  return {
    pipeline,
    manager,
    normalizers,
    sink,
    close() {
      if (closed) return;
      closed = true;
      manager.flush();
      sink.flush();
      if (sink instanceof DataDirSink) sink.close();
    },
    drain() {
      return sink instanceof DataDirSink ? sink.drain() : Promise.resolve();
    },
  };
}
