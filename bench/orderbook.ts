/**
 * `npm run bench:orderbook`: Binance depth diffs applied per second (book + 30 s
 * accumulator), against the physical wall on the same frames (`JSON.parse` of each
 * diff's raw JSON). Budget (DESIGN.md section 8): apply ≤ 30 % on top of the parse cost.
 *
 * Input: the real capture in ../shared/data when present (8 minutes of BTCUSDT
 * depth@0ms, ~9 000 diffs, up to ~8 000 book levels), else a synthetic book of the same
 * shape (a random walk around 64 000, ~30 levels a diff, ids chained like Binance's;
 * MOONSTREAM_BENCH_SYNTHETIC=1 forces it).
 * Frames are normalized once, outside the timing; the apply loop replays them into a
 * fresh SymbolOrderBook per round, from its snapshot. Both loops are timed in CPU
 * seconds, interleaved round by round, and the medians compared.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import type { Envelope } from '../src/capture/envelope.js';
import type { DepthDiff, DepthSnapshot, NormalizedEvent } from '../src/events.js';
import { SymbolOrderBook } from '../src/engines/orderbook/symbol-order-book.js';
import { createNormalizers } from '../src/venues/index.js';

const ROUNDS = 9;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..'); // dist/bench → repository
const CAPTURE_DIR = path.resolve(REPO, '..', 'shared', 'data', 'binance-usdm-btcusdt-2024-07-18');
const FILES = ['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((f) => path.join(CAPTURE_DIR, f));

interface Input {
  readonly source: string;
  /** Raw JSON text of every depth frame (the parse reference). */
  readonly rawDiffs: string[];
  readonly snapshot: DepthSnapshot;
  /** Normalized diffs, in order, from the first one the snapshot needs. */
  readonly diffs: DepthDiff[];
}

function loadCapture(): Input {
  const normalizers = createNormalizers();
  const rawDiffs: string[] = [];
  const events: NormalizedEvent[] = [];
  for (const file of FILES) {
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      const json = line.slice(space + 1);
      const isDepth = json.includes('"depthUpdate"');
      const isRest = json.startsWith('{"lastUpdateId"');
      if (!isDepth && !isRest) continue;
      if (isDepth) rawDiffs.push(json);
      const envelope: Envelope = isDepth
        ? { t: Number(line.slice(0, space - 6)), v: 'binance', c: 'depth@0ms', d: JSON.parse(json) }
        : { t: Number(line.slice(0, space - 6)), v: 'binance', c: 'rest.depthSnapshot', d: JSON.parse(json), q: { symbol: 'BTCUSDT', limit: 1000 } };
      normalizers.normalize(envelope, events);
    }
  }
  const snapshot = events.find((e): e is DepthSnapshot => e.type === 'depthSnapshot')!;
  const diffs = events.filter((e): e is DepthDiff => e.type === 'depthDiff' && e.lastId >= snapshot.lastUpdateId);
  return { source: 'real capture (../shared/data, BTCUSDT depth@0ms)', rawDiffs, snapshot, diffs };
}

/** A Binance-shaped stream when the capture is absent: mulberry32 random walk, deterministic. */
function synthesize(count = 9000): Input {
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tick = 0.1;
  let mid = 64_000;
  const fmt = (x: number) => x.toFixed(1);
  const level = (side: number, maxTicks: number): [string, string] => {
    const p = mid + side * (0.05 + tick * Math.floor(rand() ** 2 * maxTicks));
    return [fmt(p), rand() < 0.25 ? '0.000' : (rand() * 5).toFixed(3)];
  };
  const bids: [string, string][] = [];
  const asks: [string, string][] = [];
  for (let i = 0; i < 1000; i++) {
    bids.push([fmt(mid - 0.05 - i * tick), (rand() * 5 + 0.001).toFixed(3)]);
    asks.push([fmt(mid + 0.05 + i * tick), (rand() * 5 + 0.001).toFixed(3)]);
  }
  const normalizers = createNormalizers();
  const events: NormalizedEvent[] = [];
  let u = 5_000_000_000_000;
  const t0 = 1_721_347_020_000;
  normalizers.normalize({ t: t0, v: 'binance', c: 'rest.depthSnapshot', d: { lastUpdateId: u, E: t0, T: t0, bids, asks }, q: { symbol: 'BTCUSDT', limit: 1000 } }, events);
  const rawDiffs: string[] = [];
  for (let i = 0; i < count; i++) {
    mid += (rand() - 0.5) * 2;
    const b = Array.from({ length: 8 + Math.floor(rand() * 16) }, () => level(-1, 3000));
    const a = Array.from({ length: 8 + Math.floor(rand() * 16) }, () => level(1, 3000));
    const pu = u;
    const U = u + 1 + Math.floor(rand() * 300);
    u = U + Math.floor(rand() * 6000);
    const E = t0 + 50 * (i + 1);
    const json = JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E, T: E - 2, s: 'BTCUSDT', U, u, pu, b, a } });
    rawDiffs.push(json);
    normalizers.normalize({ t: E, v: 'binance', c: 'depth@0ms', d: JSON.parse(json) }, events);
  }
  const snapshot = events.find((e): e is DepthSnapshot => e.type === 'depthSnapshot')!;
  // the snapshot predates the first diff: make the first one span it
  const diffs = events.filter((e): e is DepthDiff => e.type === 'depthDiff');
  diffs[0] = { ...diffs[0]!, firstId: snapshot.lastUpdateId };
  return { source: 'synthetic Binance-shaped stream', rawDiffs, snapshot, diffs };
}

/**
 * CPU time of this process (user + system), not wall time: the machine is shared, and
 * another job's load stretches wall time of both loops by different amounts.
 */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const synthetic = process.env.MOONSTREAM_BENCH_SYNTHETIC === '1' || !FILES.every((f) => fs.existsSync(f));
  const input = synthetic ? synthesize() : loadCapture();
  const { rawDiffs, snapshot, diffs } = input;

  let sink = 0;
  const parseRound = () => {
    const start = cpuSeconds();
    for (const json of rawDiffs) sink += (JSON.parse(json) as { data: { u: number } }).data.u > 0 ? 1 : 0;
    return cpuSeconds() - start;
  };
  let frames = 0;
  let levels = 0;
  let applied = 0;
  const applyRound = () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC', onFrame: () => frames++ });
    ob.apply(snapshot);
    const start = cpuSeconds();
    for (const diff of diffs) ob.apply(diff);
    const seconds = cpuSeconds() - start;
    const s = ob.stats().books.binance!;
    if (s.gaps !== 0 || s.applied !== diffs.length) throw new Error(`the bench stream did not apply cleanly: ${JSON.stringify(s)}`);
    applied = s.applied;
    levels = ob.book('binance')!.bids.size + ob.book('binance')!.asks.size;
    return seconds;
  };

  // warm-up, then interleaved rounds so drift on a shared machine hits both alike
  parseRound();
  applyRound();
  const parse: number[] = [];
  const apply: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    parse.push(parseRound());
    apply.push(applyRound());
  }
  const parsePerDiff = median(parse) / rawDiffs.length;
  const applyPerDiff = median(apply) / diffs.length;
  const ratio = applyPerDiff / parsePerDiff;
  const mem = process.memoryUsage();
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`order book bench — ${input.source}`);
  console.log(`  diffs: ${fmt(rawDiffs.length)} parsed, ${fmt(applied)} applied per round (book ends with ${fmt(levels)} levels); ${ROUNDS} rounds, median`);
  console.log(`  JSON.parse of the diff frames : ${fmt(1 / parsePerDiff)} msg/s  (${(parsePerDiff * 1e6).toFixed(2)} µs/diff)`);
  console.log(`  apply (book + accumulator)    : ${fmt(1 / applyPerDiff)} diffs/s (${(applyPerDiff * 1e6).toFixed(2)} µs/diff), ${fmt(frames / (ROUNDS + 1))} frames/round`);
  console.log(`  apply cost / parse cost       : ${(ratio * 100).toFixed(1)} %  (budget ≤ 30 %: ${ratio <= 0.3 ? 'OK' : 'OVER'})`);
  console.log(`  memory: rss ${fmt(mem.rss / 1048576)} MiB, heap used ${fmt(mem.heapUsed / 1048576)} MiB`);
  if (sink < 0) console.log(sink);
}

main();
