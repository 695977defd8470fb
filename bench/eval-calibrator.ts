/**
 * `npm run eval:calibrator [-- flags]`: does the calibrator recover the leverage mix
 * traders open with? Simulates markets whose true mix is known (the simulator's default,
 * a low-leverage-heavy and a high-leverage-heavy one, a few seeds), replays each through
 * the real pipeline once per weight estimator, reads the weights from the `calibration`
 * lines of `logs/calibrator-{SYM}.jsonl`, and prints per symbol the L1 distance to the
 * true mix (over the enabled tiers, renormalized) of the prior and of each estimator's
 * weights along the run, then the buffer and biases against the simulator's maintenance
 * margin, and what the truth file says each tier's liquidations were.
 *
 * Flags (all optional):
 *   --mixes default,low,high   which markets (names below)
 *   --seeds 1,2                simulator seeds
 *   --hours 24                 simulated hours per market (trajectories show every checkpoint ≤ hours)
 *   --checkpoints 1,2,3,6,12,18,24   hours at which the tables print a row
 *   --estimators map,share     weight estimators (names below)
 *   --profile standard         simulator emission profile
 *   --cache DIR                where captures are kept between runs (default: $TMPDIR/moonstream-eval-calibrator)
 *   --json FILE                also write every trajectory as JSON
 * A day of three symbols (standard profile) simulates in ~30 s and replays in ~30 s per
 * estimator; captures are cached, so a second run only replays. The default run (3
 * markets × 2 seeds × 2 estimators, 24 h) takes ~10 minutes on one core.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCalibrator, type CalibratorOptions } from '../src/engines/calibrator/index.js';
import { leverageConfigFor } from '../src/engines/leverage-config.js';
import { replay } from '../src/replay/replay.js';
import { parseLeverageMix } from '../src/sim/params.js';
import { simulateToFile } from '../src/sim/run.js';
import { l1, mixTruth, restrictTo, type MixTruth } from '../src/sim/mix-score.js';
import type { SimTruth } from '../src/sim/truth.js';
import { dataPaths } from '../src/store/data-dir.js';
import { rotatedFiles } from '../src/store/jsonl-log.js';

const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;

/** The markets: `default` is the simulator's own mix (heavier in 50x–100x than the prior). */
const MIXES: Readonly<Record<string, string | undefined>> = {
  default: undefined,
  /** Mostly 5x/20x/25x: the prior's shape, but even less above 25x. */
  low: JSON.stringify({
    BTC: { 5: 0.3, 20: 0.3, 25: 0.25, 50: 0.08, 75: 0.03, 100: 0.02, 125: 0.01, 150: 0.005, 200: 0.003, 250: 0.002 },
    ETH: { 5: 0.3, 20: 0.3, 25: 0.25, 50: 0.08, 75: 0.04, 100: 0.02, 125: 0.01 },
    SOL: { 5: 0.3, 20: 0.32, 25: 0.25, 50: 0.09, 75: 0.04 },
  }),
  /** Mostly 75x and above. */
  high: JSON.stringify({
    BTC: { 5: 0.02, 20: 0.03, 25: 0.04, 50: 0.08, 75: 0.14, 100: 0.22, 125: 0.2, 150: 0.12, 200: 0.09, 250: 0.06 },
    ETH: { 5: 0.02, 20: 0.04, 25: 0.05, 50: 0.12, 75: 0.22, 100: 0.28, 125: 0.27 },
    SOL: { 5: 0.03, 20: 0.06, 25: 0.08, 50: 0.33, 75: 0.5 },
  }),
};

/** The weight estimators compared (CalibratorOptions of each); `map` is the calibrator's default. */
const ESTIMATORS: Readonly<Record<string, CalibratorOptions>> = {
  map: {},
  share: { estimator: 'responsibility-share' },
  /** The default with the buffer fixed at 0.002 (what the buffer learning is worth to the weights). */
  'map-fixed-buffer': { enableBufferTuning: false },
  'map-k10': { mix: { pseudoEvents: 10 } },
  'map-k100': { mix: { pseudoEvents: 100 } },
  'map-h6': { mix: { halfLifeMinutes: 360 } },
  'map-h72': { mix: { halfLifeMinutes: 4320, horizonMinutes: 12_960 } },
};

interface Flags {
  mixes: string[];
  seeds: number[];
  hours: number;
  checkpoints: number[];
  estimators: string[];
  profile: string;
  cache: string;
  json: string | undefined;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    mixes: ['default', 'low', 'high'],
    seeds: [1, 2],
    hours: 24,
    checkpoints: [1, 2, 3, 6, 12, 18, 24],
    estimators: ['map', 'share'],
    profile: 'standard',
    cache: path.join(os.tmpdir(), 'moonstream-eval-calibrator'),
    json: undefined,
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    switch (flag) {
      case '--mixes':
        flags.mixes = list(value);
        for (const m of flags.mixes) if (!(m in MIXES)) throw new Error(`unknown mix ${m} (known: ${Object.keys(MIXES).join(', ')})`);
        break;
      case '--seeds':
        flags.seeds = list(value).map(Number);
        break;
      case '--hours':
        flags.hours = Number(value);
        break;
      case '--checkpoints':
        flags.checkpoints = list(value).map(Number);
        break;
      case '--estimators':
        flags.estimators = list(value);
        for (const e of flags.estimators) if (!(e in ESTIMATORS)) throw new Error(`unknown estimator ${e} (known: ${Object.keys(ESTIMATORS).join(', ')})`);
        break;
      case '--profile':
        flags.profile = value;
        break;
      case '--cache':
        flags.cache = value;
        break;
      case '--json':
        flags.json = value;
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (!(Number.isInteger(flags.hours) && flags.hours >= 1)) throw new Error('--hours must be a whole number ≥ 1');
  return flags;
}

/** One calibration as the log has it. */
interface CalibrationPoint {
  readonly hour: number;
  readonly weights: number[];
  readonly buffer: number;
  readonly biasLong: number;
  readonly biasShort: number;
}

function readCalibrations(dataDir: string, symbol: string, startMs: number): CalibrationPoint[] {
  const leverage = leverageConfigFor(symbol);
  const points: CalibrationPoint[] = [];
  for (const file of rotatedFiles(dataPaths(dataDir).calibratorLog(symbol))) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"type":"calibration"')) continue;
      const c = JSON.parse(line) as { ts: number; weights_after: Record<string, number>; buffer: { after: number }; bias: { long: { after: number }; short: { after: number } } };
      points.push({
        hour: (c.ts - startMs) / 3_600_000,
        weights: leverage.tiers.map((t) => c.weights_after[String(t)] ?? 0),
        buffer: c.buffer.after,
        biasLong: c.bias.long.after,
        biasShort: c.bias.short.after,
      });
    }
  }
  return points;
}

async function ensureCapture(flags: Flags, mix: string, seed: number): Promise<{ file: string; truth: SimTruth }> {
  fs.mkdirSync(flags.cache, { recursive: true });
  const file = path.join(flags.cache, `${mix}-s${seed}-${flags.hours}h-${flags.profile}.jsonl.gz`);
  const truthFile = `${file}.truth.json`;
  if (!fs.existsSync(file) || !fs.existsSync(truthFile)) {
    const t0 = performance.now();
    const json = MIXES[mix];
    await simulateToFile({
      out: file,
      minutes: flags.hours * 60,
      seed,
      profile: flags.profile,
      ...(json ? { leverageMix: parseLeverageMix(json, SYMBOLS) } : {}),
    });
    console.error(`  simulated ${mix} seed ${seed} (${flags.hours} h) in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${file}`);
  }
  return { file, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')) as SimTruth };
}

const f3 = (x: number) => x.toFixed(3);
const pad = (s: string, n: number) => s.padStart(n);

interface MarketResult {
  readonly mix: string;
  readonly seed: number;
  readonly truth: Record<string, MixTruth & { readonly prior: number[] }>;
  readonly runs: Record<string, Record<string, CalibrationPoint[]>>;
  readonly seconds: Record<string, number>;
}

function atHour(points: readonly CalibrationPoint[], hour: number): CalibrationPoint | undefined {
  let best: CalibrationPoint | undefined;
  for (const p of points) if (p.hour <= hour + 1e-9) best = p;
  return best;
}

function printMarket(flags: Flags, r: MarketResult): void {
  console.log(`\n═══ market ${r.mix}, seed ${r.seed}, ${flags.hours} h (${flags.profile}) ═══`);
  for (const symbol of SYMBOLS) {
    const t = r.truth[symbol]!;
    const tiers = leverageConfigFor(symbol).tiers;
    const enabled = tiers.map((tier) => !leverageConfigFor(symbol).disabledTiers.has(tier));
    const row = (name: string, w: readonly number[]) => `  ${name.padEnd(22)}${tiers.map((_, i) => (enabled[i] ? pad(f3(w[i]!), 7) : '')).join('')}`;
    console.log(`\n${symbol}   tiers ${''.padEnd(15)}${tiers.map((tier, i) => (enabled[i] ? pad(`${tier}x`, 7) : '')).join('')}`);
    console.log(row('true mix', t.mix));
    console.log(row('prior', t.prior));
    console.log(row('liquidated (published)', t.liquidated));
    for (const e of flags.estimators) {
      const last = r.runs[e]![symbol]!.at(-1);
      if (last) console.log(row(`${e} @${last.hour.toFixed(0)}h`, last.weights));
    }
    const reachedTiers = tiers.filter((_, i) => t.reached[i]).map((x) => `${x}x`).join(', ');
    const condTruth = restrictTo(t.mix, t.reached);
    console.log(`  L1 to the true mix: all tiers | over the reached tiers (${reachedTiers}), each renormalized`);
    console.log(`  ${'hour'.padStart(6)}${pad('prior', 8)}${flags.estimators.map((e) => pad(e, 13)).join('')}  |${pad('prior', 8)}${flags.estimators.map((e) => pad(e, 13)).join('')}`);
    for (const h of flags.checkpoints.filter((c) => c <= flags.hours)) {
      const full = flags.estimators.map((e) => {
        const p = atHour(r.runs[e]![symbol]!, h);
        return pad(p ? f3(l1(p.weights, t.mix)) : '—', 13);
      });
      const cond = flags.estimators.map((e) => {
        const p = atHour(r.runs[e]![symbol]!, h);
        return pad(p ? f3(l1(restrictTo(p.weights, t.reached), condTruth)) : '—', 13);
      });
      console.log(`  ${pad(String(h), 6)}${pad(f3(l1(t.prior, t.mix)), 8)}${full.join('')}  |${pad(f3(l1(restrictTo(t.prior, t.reached), condTruth)), 8)}${cond.join('')}`);
    }
    console.log(`  L1(liquidated share, true mix) ${f3(l1(t.liquidated, t.mix))}`);
    for (const e of flags.estimators) {
      const pts = r.runs[e]![symbol]!;
      const cells = flags.checkpoints
        .filter((c) => c <= flags.hours)
        .map((h) => {
          const p = atHour(pts, h);
          return p ? `${h}h m ${p.buffer.toFixed(5)} bL ${(p.biasLong * 1e4).toFixed(1)} bS ${(p.biasShort * 1e4).toFixed(1)}` : '';
        });
      console.log(`  ${e}: buffer (true m ${t.maintenanceMargin}) / bias bps: ${cells.filter((c) => c !== '').join(' | ')}`);
    }
  }
}

function printSummary(flags: Flags, results: readonly MarketResult[]): void {
  const hours = flags.checkpoints.filter((c) => c <= flags.hours);
  console.log(`\n═══ summary: L1(weights, true mix), prior → ${flags.estimators.join(' / ')} at ${hours.join(', ')} h ═══`);
  for (const r of results) {
    for (const symbol of SYMBOLS) {
      const t = r.truth[symbol]!;
      const condTruth = restrictTo(t.mix, t.reached);
      const parts = flags.estimators.map((e) => `${e} ${hours.map((h) => { const p = atHour(r.runs[e]![symbol]!, h); return p ? f3(l1(p.weights, t.mix)) : '—'; }).join(' ')}`);
      const cond = flags.estimators.map((e) => `${e} ${hours.map((h) => { const p = atHour(r.runs[e]![symbol]!, h); return p ? f3(l1(restrictTo(p.weights, t.reached), condTruth)) : '—'; }).join(' ')}`);
      console.log(`  ${`${r.mix} s${r.seed}`.padEnd(12)} ${symbol.padEnd(4)} all tiers:     prior ${f3(l1(t.prior, t.mix))}  ${parts.join('  |  ')}`);
      console.log(`  ${''.padEnd(12)} ${''.padEnd(4)} reached tiers: prior ${f3(l1(restrictTo(t.prior, t.reached), condTruth))}  ${cond.join('  |  ')}`);
    }
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const results: MarketResult[] = [];
  for (const mix of flags.mixes) {
    for (const seed of flags.seeds) {
      const { file, truth } = await ensureCapture(flags, mix, seed);
      const result: MarketResult = { mix, seed, truth: {}, runs: {}, seconds: {} };
      for (const symbol of SYMBOLS) {
        const leverage = leverageConfigFor(symbol);
        result.truth[symbol] = { ...mixTruth(truth, symbol, leverage), prior: [...leverage.priorWeights] };
      }
      for (const e of flags.estimators) {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-eval-calibrator-'));
        try {
          const t0 = performance.now();
          await replay({ files: [file], dataDir, fresh: true, runtime: { calibrator: createCalibrator(ESTIMATORS[e]!), sink: { fsync: false } } });
          result.seconds[e] = (performance.now() - t0) / 1000;
          result.runs[e] = Object.fromEntries(SYMBOLS.map((s) => [s, readCalibrations(dataDir, s, truth.start)]));
          console.error(`  replayed ${mix} seed ${seed} with ${e} in ${result.seconds[e]!.toFixed(1)} s`);
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
      }
      printMarket(flags, result);
      results.push(result);
    }
  }
  printSummary(flags, results);
  if (flags.json) fs.writeFileSync(flags.json, `${JSON.stringify(results)}\n`);
}

await main();
