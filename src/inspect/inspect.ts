/**
 * `moonstream inspect weights|zones|snapshot|ring|capture [FILE]`: read a state file
 * (or every symbol's in a data dir) and describe it as text, or as JSON for scripts.
 *
 * JSON shape: with a FILE or `--symbol`, one object (for `snapshot` and `ring`, keyed by
 * file kind: `v1`, `v2`, `orderbook`); without, an object keyed by symbol. The shape
 * depends on the flags only, never on what the data dir happens to hold.
 *
 * Nothing here writes: a corrupt file is reported (STATE_CORRUPT, naming it), never
 * moved aside.
 */

import * as fs from 'node:fs';
import { MoonstreamError } from '../errors.js';
import { assertConfiguredSymbols } from '../preflight.js';
import { dataPaths } from '../store/data-dir.js';
import { readJsonFile, requireDataDir, symbolsWith } from './files.js';
import { DEFAULT_RING_RECORDS, readRing, renderRing, ringJson } from './ring.js';
import { renderSnapshot, snapshotJson, snapshotKind, snapshotSummary } from './snapshot.js';
import { renderWeights, weightsView } from './weights.js';
import { renderZones, zonesJson, zonesView } from './zones.js';

export const INSPECT_TARGETS = ['weights', 'zones', 'snapshot', 'ring', 'capture'] as const;
export type InspectTarget = (typeof INSPECT_TARGETS)[number];

export interface InspectOptions {
  readonly target: InspectTarget;
  /** A file to read instead of the data dir's (required for `capture`). */
  readonly file?: string;
  /** One symbol (default: every symbol with such a file in the data dir). */
  readonly symbol?: string;
  readonly dataDir: string;
  /** Ring records to show (default 10). */
  readonly records?: number;
}

/** Both renderings; each is computed on first access only (a ring's JSON is megabytes of numbers). */
export interface InspectResult {
  readonly text: string;
  readonly json: unknown;
}

interface Lazy {
  readonly text: () => string;
  readonly json: () => unknown;
}

function result(lazy: Lazy): InspectResult {
  let text: string | undefined;
  let json: unknown;
  let jsonDone = false;
  return {
    get text() {
      return (text ??= lazy.text());
    },
    get json() {
      if (!jsonDone) {
        json = lazy.json();
        jsonDone = true;
      }
      return json;
    },
  };
}

export async function inspect(options: InspectOptions): Promise<InspectResult> {
  return result(await lazyInspect(options));
}

async function lazyInspect(options: InspectOptions): Promise<Lazy> {
  // the same check as replay and live: a symbol without an engine configuration has no state files
  if (options.symbol !== undefined && options.target !== 'capture') assertConfiguredSymbols([options.symbol]);
  switch (options.target) {
    case 'weights':
      return inspectWeightsTarget(options);
    case 'zones':
      return inspectZonesTarget(options);
    case 'snapshot':
      return inspectSnapshotTarget(options);
    case 'ring':
      return inspectRingTarget(options);
    case 'capture': {
      if (options.file === undefined) throw new MoonstreamError('USAGE', 'inspect capture needs a FILE (a .jsonl or .jsonl.gz capture)');
      const { inspectCapture, renderCapture, captureJson } = await import('./capture.js');
      const view = await inspectCapture(options.file);
      return { text: () => renderCapture(view), json: () => captureJson(view) };
    }
    default: {
      const never: never = options.target;
      throw new MoonstreamError('USAGE', `unknown inspect target ${String(never)}`);
    }
  }
}

/** Per-symbol results, or the single one when the flags ask for one. Every file is read (and checked) here; rendering waits. */
function collect(options: InspectOptions, symbols: readonly string[], one: (symbol: string) => Lazy): Lazy {
  const parts = symbols.map((s) => [s, one(s)] as const);
  if (options.symbol !== undefined) return parts[0]![1];
  return { text: () => parts.map(([, p]) => p.text()).join('\n\n'), json: () => Object.fromEntries(parts.map(([s, p]) => [s, p.json()])) };
}

/** Symbols to read: `--symbol`, else those with a file of this kind; none is an error naming where it looked. */
function symbolsFor(options: InspectOptions, found: readonly string[], what: string, where: string): string[] {
  requireDataDir(options.dataDir);
  if (options.symbol !== undefined) return [options.symbol];
  if (found.length === 0) throw new MoonstreamError('FILE_NOT_FOUND', `${where}: no ${what} found (run \`moonstream replay\` or \`moonstream live\` first, or pass --data-dir)`);
  return [...found];
}

function inspectWeightsTarget(options: InspectOptions): Lazy {
  if (options.file !== undefined) {
    const view = weightsView(options.file, readJsonFile(options.file), options.symbol);
    return { text: () => renderWeights(view), json: () => view.weights };
  }
  const paths = dataPaths(options.dataDir);
  const found = [...new Set([...symbolsWith(options.dataDir, 'weights', '.json'), ...pocWeightSymbols(options.dataDir)])].sort();
  const symbols = symbolsFor(options, found, 'weights files (the calibrator writes one at each calibration, every 15 min of event time)', `${options.dataDir}/weights`);
  return collect(options, symbols, (symbol) => {
    // the PoC's file dropped into the data dir is what a start-up loads (migrated) while ours is absent
    const ours = paths.weights(symbol);
    const file = !fs.existsSync(ours) && fs.existsSync(paths.pocWeights(symbol)) ? paths.pocWeights(symbol) : ours;
    const view = weightsView(file, readJsonFile(file), symbol);
    return { text: () => renderWeights(view), json: () => view.weights };
  });
}

function inspectZonesTarget(options: InspectOptions): Lazy {
  if (options.file !== undefined) {
    const view = zonesView(options.file, readJsonFile(options.file));
    return { text: () => renderZones(view), json: () => zonesJson(view) };
  }
  const paths = dataPaths(options.dataDir);
  const symbols = symbolsFor(options, symbolsWith(options.dataDir, 'zones', '.json'), 'zones files', `${options.dataDir}/zones`);
  return collect(options, symbols, (symbol) => {
    const file = paths.zones(symbol);
    const view = zonesView(file, readJsonFile(file), referencePrice(paths.snapshotV2(symbol)));
    return { text: () => renderZones(view), json: () => zonesJson(view) };
  });
}

/** Symbols of PoC weights files (`liq_calibrator_weights_{SYM}.json`) at the data dir's top. */
function pocWeightSymbols(dataDir: string): string[] {
  try {
    return fs
      .readdirSync(dataDir)
      .map((n) => /^liq_calibrator_weights_([A-Z0-9]{1,20})\.json$/.exec(n)?.[1])
      .filter((s): s is string => s !== undefined);
  } catch {
    return [];
  }
}

/** The latest V2 snapshot's price and step, to show zone distances; absent or unreadable → none. */
function referencePrice(file: string): { price: number; step: number } | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as { price?: unknown; step?: unknown };
    return typeof s.price === 'number' && typeof s.step === 'number' ? { price: s.price, step: s.step } : undefined;
  } catch {
    return undefined;
  }
}

function inspectSnapshotTarget(options: InspectOptions): Lazy {
  if (options.file !== undefined) {
    const parsed = readJsonFile(options.file);
    const summary = snapshotSummary(options.file, parsed);
    return { text: () => renderSnapshot(summary), json: () => ({ [summary.kind]: snapshotJson(summary) }) };
  }
  const paths = dataPaths(options.dataDir);
  const found = [...new Set([...symbolsWith(options.dataDir, 'snapshots', '.v2.json'), ...symbolsWith(options.dataDir, 'snapshots', '.v1.json')])].sort();
  const symbols = symbolsFor(options, found, 'snapshot files', `${options.dataDir}/snapshots`);
  return collect(options, symbols, (symbol) => {
    const files = [paths.snapshotV2(symbol), paths.snapshotV1(symbol)].filter((f) => fs.existsSync(f));
    if (files.length === 0) throw new MoonstreamError('FILE_NOT_FOUND', `${paths.snapshotV2(symbol)}: no such file (nor ${paths.snapshotV1(symbol)})`);
    const summaries = files.map((f) => {
      const parsed = readJsonFile(f);
      if (!snapshotKind(parsed)) throw new MoonstreamError('STATE_CORRUPT', `${f}: not a heatmap snapshot (neither V1 nor V2 keys)`);
      return snapshotSummary(f, parsed);
    });
    return { text: () => summaries.map(renderSnapshot).join('\n'), json: () => Object.fromEntries(summaries.map((s) => [s.kind, snapshotJson(s)])) };
  });
}

function inspectRingTarget(options: InspectOptions): Lazy {
  const records = options.records ?? DEFAULT_RING_RECORDS;
  if (options.file !== undefined) {
    const view = readRing(options.file, records);
    return { text: () => renderRing(view), json: () => ringJson(view) };
  }
  const paths = dataPaths(options.dataDir);
  const found = [
    ...new Set([...symbolsWith(options.dataDir, 'history', '.v2.bin'), ...symbolsWith(options.dataDir, 'history', '.v1.bin'), ...symbolsWith(options.dataDir, 'orderbook', '.bin')]),
  ].sort();
  const symbols = symbolsFor(options, found, 'ring files (history/*.bin, orderbook/*.bin)', options.dataDir);
  return collect(options, symbols, (symbol) => {
    const files = ([
      ['v1', paths.historyV1(symbol)],
      ['v2', paths.historyV2(symbol)],
      ['orderbook', paths.orderbookRing(symbol)],
    ] as const).filter(([, f]) => fs.existsSync(f));
    if (files.length === 0) throw new MoonstreamError('FILE_NOT_FOUND', `${paths.historyV2(symbol)}: no such file (nor the V1 or order-book ring of ${symbol})`);
    const views = files.map(([kind, f]) => [kind, readRing(f, records)] as const);
    return { text: () => `${symbol}\n${views.map(([, v]) => renderRing(v)).join('\n')}`, json: () => Object.fromEntries(views.map(([kind, v]) => [kind, ringJson(v)])) };
  });
}
