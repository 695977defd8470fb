/**
 * `npm run bench:engines`: events per second through EngineManager, rollover cost and
 * heap, on a synthetic capture of three symbols (src/engines/testing/synthetic-market.ts:
 * trades, marks from three venues, OI polls, liquidations, ticks, depth diffs into the
 * null order book), compared with the physical wall on the same input: splitting the
 * events' JSON lines and JSON.parse of each (DESIGN.md section 8).
 *
 * The synthetic lines are the normalized events, shorter than real venue frames (a
 * Binance depth diff parses at ~45 k msg/s, ours much faster), so the engine share
 * printed here is an upper bound of what it will be on a real capture.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { NormalizedEvent } from '../src/events.js';
import { EngineManager } from '../src/engines/manager.js';
import { liquidationCalibrator } from '../src/engines/calibrator/index.js';
import { NULL_SINK, type CalibratorFactory } from '../src/engines/ports.js';
import { SYNTHETIC_SYMBOLS, SyntheticMarket } from '../src/engines/testing/synthetic-market.js';
import { DataDirSink } from '../src/store/data-dir-sink.js';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / MB;
}

function generate(minutes: number, depthPerSecond: number): NormalizedEvent[] {
  const market = new SyntheticMarket({
    seed: 11,
    minutes,
    symbols: [SYNTHETIC_SYMBOLS.BTC!, SYNTHETIC_SYMBOLS.ETH!, SYNTHETIC_SYMBOLS.SOL!],
    tradesPerSecond: 12,
    depthPerSecond,
  });
  return [...market.events()];
}

/** Best of `runs` timings of `fn`, in ms. */
function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

function splitParseMs(text: string): number {
  return best(3, () => {
    let n = 0;
    for (const line of text.split('\n')) if (line) n += (JSON.parse(line) as { t: number }).t > 0 ? 1 : 0;
    if (n === 0) throw new Error('no lines');
  });
}

function envelopeText(events: readonly NormalizedEvent[]): string {
  const venueOf = (e: NormalizedEvent) => ('venue' in e ? e.venue : 'moonstream');
  return events.map((e) => `{"t":${e.ts},"v":"${venueOf(e)}","c":"${e.type}","d":${JSON.stringify(e)}}`).join('\n');
}

function runEngines(events: readonly NormalizedEvent[], sink = NULL_SINK, calibrator?: CalibratorFactory): { ms: number; manager: EngineManager } {
  let manager!: EngineManager;
  const ms = best(3, () => {
    manager = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { sink, ...(calibrator ? { calibrator } : {}) } });
    for (const e of events) manager.dispatch(e);
  });
  return { ms, manager };
}

function counts(events: readonly NormalizedEvent[]): string {
  const by = new Map<string, number>();
  for (const e of events) by.set(e.type, (by.get(e.type) ?? 0) + 1);
  return [...by].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

function report(label: string, events: readonly NormalizedEvent[]): void {
  const text = envelopeText(events);
  const wall = splitParseMs(text);
  const { ms, manager } = runEngines(events);
  const { ms: calibrated } = runEngines(events, NULL_SINK, liquidationCalibrator);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-'));
  let withFiles: number;
  try {
    withFiles = best(1, () => {
      const sink = new DataDirSink(dir, { fsync: false, jsonMinIntervalMs: 1_000 });
      const m = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { sink, calibrator: liquidationCalibrator } });
      for (const e of events) m.dispatch(e);
      sink.close();
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rate = (n: number, t: number) => `${Math.round(n / (t / 1000)).toLocaleString('en-US')}/s`;
  const rolled = Object.values(manager.engineCounters()).reduce((s, c) => s + c.minutesRolled, 0);
  console.log(`\n${label}: ${events.length.toLocaleString('en-US')} events (${counts(events)}), ${(text.length / MB).toFixed(1)} MB of lines`);
  console.log(`  split + JSON.parse (wall)     ${wall.toFixed(0).padStart(6)} ms  ${rate(events.length, wall)}`);
  console.log(`  EngineManager, null sink      ${ms.toFixed(0).padStart(6)} ms  ${rate(events.length, ms)}  = ${((100 * ms) / wall).toFixed(1)} % of the wall`);
  console.log(`  + learning calibrator, null   ${calibrated.toFixed(0).padStart(6)} ms  ${rate(events.length, calibrated)}  = ${((100 * calibrated) / wall).toFixed(1)} % of the wall (the calibrator: ${(calibrated - ms).toFixed(0)} ms)`);
  console.log(`  + calibrator, data-dir sink   ${withFiles.toFixed(0).padStart(6)} ms  ${rate(events.length, withFiles)}  = ${((100 * withFiles) / wall).toFixed(1)} % of the wall (replay settings: fsync off, JSON state ≤ 1/s; ${rolled} rollovers)`);
  console.log(`  wall + engines + files: ${((100 * wall) / (wall + withFiles)).toFixed(1)} % of split+parse throughput before normalizers (budget for the whole replay: ≥ 70 %)`);
}

/** The real Binance BTCUSDT capture beside the project (skipped when absent): its wall per captured minute. */
function realCaptureWall(): { linesPerMinute: number; wallMsPerMinute: number } | undefined {
  const dir = path.resolve('../shared/data/binance-usdm-btcusdt-2024-07-18');
  if (!fs.existsSync(dir)) return undefined;
  const text = ['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((f) => zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8')).join('');
  let first = Infinity;
  let last = -Infinity;
  let lines = 0;
  const wall = best(3, () => {
    lines = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const space = line.indexOf(' ');
      const ns = Number(line.slice(0, space));
      JSON.parse(line.slice(space + 1));
      if (ns < first) first = ns;
      if (ns > last) last = ns;
      lines++;
    }
  });
  const minutes = (last - first) / 60e9;
  return { linesPerMinute: lines / minutes, wallMsPerMinute: wall / minutes };
}

function rolloverCost(calibrator?: CalibratorFactory): void {
  // a warmed-up engine with 6 h of inventory, then minutes closed one at a time by a tick
  const events = generate(360, 0);
  const manager = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { sink: NULL_SINK, ...(calibrator ? { calibrator } : {}) } });
  for (const e of events) manager.dispatch(e);
  const last = events.at(-1)!.ts;
  const btc = manager.get('BTC')!;
  const cells = btc.inference.cellCount('long') + btc.inference.cellCount('short');
  const minutes = 200;
  let t = Math.ceil(last / 60_000) * 60_000 + 2_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < minutes; i++, t += 60_000) manager.dispatch({ type: 'tick', ts: t });
  const perRollover = Number(process.hrtime.bigint() - start) / 1e6 / (minutes * 3);
  if (calibrator) {
    console.log(`rollover with the learning calibrator (null sink): ${perRollover.toFixed(3)} ms per symbol-minute (approach tracking over the inventory)`);
    return;
  }
  rolloverMs.null = perRollover;
  console.log(`\nrollover (null sink): ${perRollover.toFixed(3)} ms per symbol-minute; BTC inventory ${cells} cells, ${btc.zones.count('long') + btc.zones.count('short')} zones, ${btc.tape.bucketCount('long') + btc.tape.bucketCount('short')} tape buckets`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-'));
  try {
    for (const fsync of [false, true]) {
      const sink = new DataDirSink(dir, { fsync });
      const m = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { sink } });
      for (const e of events.slice(-200_000)) m.dispatch(e);
      let tt = Math.ceil(last / 60_000) * 60_000 + 2_000;
      const n = 20;
      const s = process.hrtime.bigint();
      for (let i = 0; i < n; i++, tt += 60_000) m.dispatch({ type: 'tick', ts: tt });
      const each = Number(process.hrtime.bigint() - s) / 1e6 / (n * 3);
      sink.close();
      if (!fsync) rolloverMs.files = each;
      console.log(`rollover (data-dir sink, live settings, fsync ${fsync ? 'on ' : 'off'}): ${each.toFixed(2)} ms per symbol-minute (2 snapshots, 2 ring records, zones, log lines)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rolloverMs = { null: 0, files: 0 };

function realCapture(): void {
  const real = realCaptureWall();
  if (!real) {
    console.log('\nreal capture ../shared/data/binance-usdm-btcusdt-2024-07-18 absent: skipped');
    return;
  }
  const share = (ms: number) => ((100 * ms) / real.wallMsPerMinute).toFixed(1);
  console.log(
    `\nreal Binance BTCUSDT capture (depth@0ms, trade, bookTicker): ${Math.round(real.linesPerMinute).toLocaleString('en-US')} lines per captured minute, ` +
      `split + JSON.parse ${real.wallMsPerMinute.toFixed(1)} ms per minute; one symbol's rollover = ${share(rolloverMs.null)} % of that (null sink), ${share(rolloverMs.files)} % with live file writes`,
  );
}

function memory(): void {
  const before = heapMb();
  const manager = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { sink: NULL_SINK } });
  const market = new SyntheticMarket({ seed: 5, minutes: 24 * 60, symbols: [SYNTHETIC_SYMBOLS.BTC!, SYNTHETIC_SYMBOLS.ETH!, SYNTHETIC_SYMBOLS.SOL!] });
  const samples: string[] = [];
  let n = 0;
  for (const e of market.events()) {
    manager.dispatch(e);
    if (e.type === 'tick' && ++n % (6 * 3600) === 0) samples.push(`${n / 3600} h ${(heapMb() - before).toFixed(1)} MB`);
  }
  console.log(`\nheap held by three engines over a simulated day (streamed, ${gc ? 'after gc' : 'no --expose-gc: noisy'}): ${samples.join(', ')}`);
}

console.log(`bench:engines — node ${process.version}, ${os.cpus().length} cpu(s)`);
report('mix without depth (3 symbols, 2 h)', generate(120, 0));
report('mix with depth diffs (3 symbols × 3 venues × 10/s, 30 min)', generate(30, 10));
rolloverCost();
rolloverCost(liquidationCalibrator);
realCapture();
memory();
