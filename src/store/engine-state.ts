/**
 * Start-up reload (DESIGN.md section 5): the zones and the calibrator weights of a
 * previous run, read from the data dir as plain parsed JSON for the engines (which
 * validate them: a zones file of another symbol is ignored, malformed zones are skipped,
 * the calibrator migrates its own weights format). A corrupt file is moved aside with
 * a warning by `loadJson` and the engine starts without it.
 */

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
  const weights = read(paths.weights(symbol));
  return {
    restore: { ...(zones !== undefined ? { zones } : {}), ...(weights !== undefined ? { weights } : {}) },
    loaded,
    corrupt,
  };
}

/** `EngineManagerOptions.restore` for a data dir. */
export function engineStateLoader(root: string, options: LoadOptions = {}): (symbol: string) => EngineRestore | undefined {
  return (symbol) => {
    const { restore } = loadEngineState(root, symbol, options);
    return restore.zones === undefined && restore.weights === undefined ? undefined : restore;
  };
}
