/**
 * Start-up reload (DESIGN.md section 5): the zones, the calibrator weights and the
 * engine checkpoint (`state/{SYM}.json`) of a previous run, read from the data dir as plain parsed JSON for the engines (which
 * validate them: a zones file of another symbol is ignored, malformed zones are skipped,
 * the calibrator migrates its own weights format, and the PoC's
 * `liq_calibrator_weights_{SYM}.json` left in the data dir's root when ours is absent). A corrupt file is moved aside with
 * a warning by `loadJson` and the engine starts without it.
 */

import * as fs from 'node:fs';
import type { EngineRestore } from '../engines/symbol-engine.js';
import { loadJson, type LoadOptions } from './atomic-json.js';
import { dataPaths } from './data-dir.js';

export interface EngineStateLoad {
  readonly restore: EngineRestore;
  /** Files found and parsed. */
  readonly loaded: readonly string[];
  /** Corrupt files moved aside. */
  readonly corrupt: readonly string[];
}

export function loadEngineState(root: string, symbol: string, options: LoadOptions = {}): EngineStateLoad {
  const paths = dataPaths(root);
  const loaded: string[] = [];
  const corrupt: string[] = [];
  const read = (file: string): unknown => {
    const result = loadJson(file, options);
    if (result.status === 'ok') {
      loaded.push(file);
      return result.value;
    }
    if (result.status === 'corrupt') corrupt.push(file);
    return undefined;
  };
  const zones = read(paths.zones(symbol));
  const checkpoint = read(paths.state(symbol));
  // a PoC weights file in the data dir's root is the calibrator's migration source when ours is absent
  const weights = read(paths.weights(symbol)) ?? (fs.existsSync(paths.weights(symbol)) ? undefined : read(paths.pocWeights(symbol)));
  return {
    restore: { ...(zones !== undefined ? { zones } : {}), ...(weights !== undefined ? { weights } : {}), ...(checkpoint !== undefined ? { checkpoint } : {}) },
    loaded,
    corrupt,
  };
}

/** `EngineManagerOptions.restore` for a data dir. */
export function engineStateLoader(root: string, options: LoadOptions = {}): (symbol: string) => EngineRestore | undefined {
  return (symbol) => {
    const { restore } = loadEngineState(root, symbol, options);
    return restore.zones === undefined && restore.weights === undefined && restore.checkpoint === undefined ? undefined : restore;
  };
}
