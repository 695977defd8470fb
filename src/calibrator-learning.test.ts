/**
 * LEARNING WORKS (issue 6), and consistently: the default calibrator against markets
 * whose true leverage mix and maintenance margin are known.
 *
 * 1. The shipped capture (fixtures/sim-2h.jsonl.gz: the simulator's default mix, much
 *    heavier in 50x–125x than the prior) replayed through the real pipeline. The learned
 *    buffer must close a clear part of its gap to the true maintenance margin. The
 *    weights must not move away from the truth; they cannot move far toward it in these
 *    two hours: the inference starts with an empty inventory, so price sweeps inferred
 *    levels only from the third window on and most sweeps come in the last one, while
 *    half the liquidations are of positions opened before the capture (the truth file
 *    says so) — evidence the estimator rightly does not count (mix-estimator.ts).
 * 2. Markets simulated here: a high-leverage-heavy one, where after twelve hours the
 *    learned weights must be closer to the truth than the prior over the whole ladder,
 *    and clearly closer over the tiers liquidations reveal; and a low-leverage-heavy one
 *    (the prior's shape), where they must not drift past it. The previous estimator (each tier's share of the responsibility,
 *    i.e. of the LIQUIDATIONS) tripled its L1 distance there within two hours
 *    (`npm run eval:calibrator` has day-long trajectories).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Envelope } from './capture/envelope.js';
import { openCapture } from './capture/reader.js';
import { DEFAULT_HEATMAP_CONFIG } from './engines/heatmap-config.js';
import { leverageConfigFor } from './engines/leverage-config.js';
import { createRuntime, type Runtime } from './runtime.js';
import { mixDistances, mixTruth } from './sim/mix-score.js';
import { parseLeverageMix } from './sim/params.js';
import { runSimulation } from './sim/run.js';
import type { SimTruth } from './sim/truth.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '..', 'fixtures', 'sim-2h.jsonl.gz');
const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;
/** The learned weights may be at most this much farther (L1) from the truth than the prior, over all tiers and over the reached ones. */
const ALL_TIERS_SLACK = 0.02;
/** The learned buffer must have closed at least this share of the default buffer's gap to the true maintenance margin. */
const BUFFER_GAP_CLOSED = 0.25;

interface Learned {
  readonly weights: number[];
  readonly buffer: number;
  readonly calibrations: number;
  readonly counters: Readonly<Record<string, number>>;
}

function learned(runtime: Runtime, dir: string, symbol: string): Learned {
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'weights', `${symbol}.json`), 'utf8')) as { weights: number[]; buffer: number; calibration_count: number };
  return { weights: saved.weights, buffer: saved.buffer, calibrations: saved.calibration_count, counters: runtime.manager.get(symbol)!.calibrator.counters() };
}

function withRuntime<T>(fn: (runtime: Runtime, dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moonstream-learning-'));
  const runtime = createRuntime({ dataDir: dir, sink: { fsync: false } });
  return fn(runtime, dir).finally(() => {
    runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

describe.skipIf(!fs.existsSync(FIXTURE))('calibrator learning on the simulated capture', () => {
  it('moves every symbol’s buffer toward the true maintenance margin by a clear margin, and no weight away from the true mix', async () => {
    const truth = JSON.parse(fs.readFileSync(`${FIXTURE}.truth.json`, 'utf8')) as SimTruth;
    await withRuntime(async (runtime, dir) => {
      for await (const batch of openCapture(FIXTURE)) runtime.pipeline.handleBatch(batch);
      runtime.close(); // writes what the sink coalesced
      const rows: string[] = [];
      for (const symbol of SYMBOLS) {
        const leverage = leverageConfigFor(symbol);
        const t = mixTruth(truth, symbol, leverage);
        const got = learned(runtime, dir, symbol);
        const prior = mixDistances(leverage.priorWeights, t);
        const now = mixDistances(got.weights, t);
        const gapBefore = Math.abs(DEFAULT_HEATMAP_CONFIG.buffer - t.maintenanceMargin);
        const gapAfter = Math.abs(got.buffer - t.maintenanceMargin);
        rows.push(
          `${symbol}: reached tiers L1 prior ${prior.reached.toFixed(3)} → learned ${now.reached.toFixed(3)}; all tiers ${prior.all.toFixed(3)} → ${now.all.toFixed(3)}; ` +
            `buffer ${DEFAULT_HEATMAP_CONFIG.buffer} → ${got.buffer.toFixed(5)} (true ${t.maintenanceMargin}); calibrations ${got.calibrations}, events ${got.counters.total_events}, evidence ${got.counters.mix_evidence_events}`,
        );
        expect(got.counters.errors).toBe(0);
        expect(got.counters.guard_skips).toBe(0);
        expect(got.calibrations).toBe(truth.minutes / 15);
        expect(gapAfter).toBeLessThan((1 - BUFFER_GAP_CLOSED) * gapBefore);
        expect(now.reached).toBeLessThan(prior.reached + ALL_TIERS_SLACK);
        expect(now.all).toBeLessThan(prior.all + ALL_TIERS_SLACK);
      }
      console.log(`learning over ${truth.minutes} simulated minutes (default mix):\n  ${rows.join('\n  ')}`);
    });
  }, 120_000);
});

/** Mostly 5x/20x/25x: the prior's shape, even lighter above 25x. */
const LOW_LEVERAGE_MIX = {
  BTC: { 5: 0.3, 20: 0.3, 25: 0.25, 50: 0.08, 75: 0.03, 100: 0.02, 125: 0.01, 150: 0.005, 200: 0.003, 250: 0.002 },
  ETH: { 5: 0.3, 20: 0.3, 25: 0.25, 50: 0.08, 75: 0.04, 100: 0.02, 125: 0.01 },
  SOL: { 5: 0.3, 20: 0.32, 25: 0.25, 50: 0.09, 75: 0.04 },
};
/** Mostly 75x and above. */
const HIGH_LEVERAGE_MIX = {
  BTC: { 5: 0.02, 20: 0.03, 25: 0.04, 50: 0.08, 75: 0.14, 100: 0.22, 125: 0.2, 150: 0.12, 200: 0.09, 250: 0.06 },
  ETH: { 5: 0.02, 20: 0.04, 25: 0.05, 50: 0.12, 75: 0.22, 100: 0.28, 125: 0.27 },
  SOL: { 5: 0.03, 20: 0.06, 25: 0.08, 50: 0.33, 75: 0.5 },
};
/** In the high-leverage market the learned weights must be this much closer to the truth over the reached tiers… */
const HIGH_REACHED_MARGIN = 0.15;
/**
 * …and this much over the whole ladder (the measure). Smaller: tiers price never
 * reached keep their prior weight (mix-estimator.ts), and SOL's 20x/25x read heavy when
 * price first reaches them, so SOL's whole-ladder distance is WORSE at six hours (1.343 →
 * 1.376) before it improves (1.240 at twelve; BTC 1.239, ETH 0.807 from 1.463, 1.395).
 */
const HIGH_ALL_TIERS_MARGIN = 0.08;

/** Simulate straight into a runtime (no capture file): light profile, the given mixes. */
async function simulateInto(runtime: Runtime, options: { minutes: number; seed: number; mixes: Record<string, Record<number, number>> }): Promise<SimTruth> {
  const symbols = Object.keys(options.mixes);
  let batch: Envelope[] = [];
  const market = await runSimulation({ minutes: options.minutes, seed: options.seed, profile: 'light', symbols, leverageMix: parseLeverageMix(JSON.stringify(options.mixes), symbols) }, (f) => {
    batch.push(f.q ? { t: f.t, v: f.v, c: f.c, d: JSON.parse(f.json), q: f.q } : { t: f.t, v: f.v, c: f.c, d: JSON.parse(f.json) });
    if (batch.length >= 2048) {
      runtime.pipeline.handleBatch(batch);
      batch = [];
    }
  });
  runtime.pipeline.handleBatch(batch);
  runtime.close(); // writes what the sink coalesced
  return market.truth();
}

describe('calibrator consistency on contrasting simulated markets (light profile, simulated here)', () => {
  it('learns a high-leverage-heavy mix, closer to the truth over the whole ladder and clearly so over the tiers liquidations reveal (twelve simulated hours)', async () => {
    await withRuntime(async (runtime, dir) => {
      const truth = await simulateInto(runtime, { minutes: 720, seed: 7, mixes: HIGH_LEVERAGE_MIX });
      const rows: string[] = [];
      for (const symbol of Object.keys(HIGH_LEVERAGE_MIX)) {
        const leverage = leverageConfigFor(symbol);
        const t = mixTruth(truth, symbol, leverage);
        const got = learned(runtime, dir, symbol);
        const prior = mixDistances(leverage.priorWeights, t);
        const now = mixDistances(got.weights, t);
        rows.push(`${symbol}: reached tiers L1 prior ${prior.reached.toFixed(3)} → learned ${now.reached.toFixed(3)}; all tiers ${prior.all.toFixed(3)} → ${now.all.toFixed(3)}; evidence ${got.counters.mix_evidence_events}`);
        expect(got.counters.errors).toBe(0);
        expect(now.reached).toBeLessThan(prior.reached - HIGH_REACHED_MARGIN);
        expect(now.all).toBeLessThan(prior.all - HIGH_ALL_TIERS_MARGIN);
      }
      console.log(`high-leverage market, 720 simulated minutes, seed 7:\n  ${rows.join('\n  ')}`);
    });
  }, 240_000);

  it('does not drift past the truth when the market is low-leverage heavy (two simulated hours)', async () => {
    await withRuntime(async (runtime, dir) => {
      const truth = await simulateInto(runtime, { minutes: 120, seed: 7, mixes: LOW_LEVERAGE_MIX });
      const rows: string[] = [];
      for (const symbol of SYMBOLS) {
        const leverage = leverageConfigFor(symbol);
        const t = mixTruth(truth, symbol, leverage);
        const got = learned(runtime, dir, symbol);
        const prior = mixDistances(leverage.priorWeights, t);
        const now = mixDistances(got.weights, t);
        rows.push(`${symbol}: all tiers L1 prior ${prior.all.toFixed(3)} → learned ${now.all.toFixed(3)}; reached tiers ${prior.reached.toFixed(3)} → ${now.reached.toFixed(3)}; evidence ${got.counters.mix_evidence_events}`);
        expect(got.counters.errors).toBe(0);
        expect(got.calibrations).toBe(8);
        expect(got.counters.mix_evidence_events).toBeGreaterThan(50);
        // the responsibility share took these to 0.36, 0.38 and 0.21 (from 0.12, 0.11, 0.10)
        expect(now.all).toBeLessThan(prior.all + ALL_TIERS_SLACK);
        expect(now.reached).toBeLessThan(prior.reached + ALL_TIERS_SLACK);
      }
      console.log(`low-leverage market, 120 simulated minutes, seed 7:\n  ${rows.join('\n  ')}`);
    });
  }, 60_000);
});
