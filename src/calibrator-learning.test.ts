/**
 * LEARNING WORKS (issue 6): replay the shipped simulated capture (fixtures/sim-2h.jsonl.gz,
 * provenance in its truth file) through the real pipeline with the default calibrator and
 * compare the learned weights with the market's true leverage mix: after the two hours,
 * the L1 distance to the truth must be clearly smaller than the prior's.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from './capture/reader.js';
import { leverageConfigFor } from './engines/leverage-config.js';
import { createRuntime } from './runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '..', 'fixtures', 'sim-2h.jsonl.gz');
/** Each symbol's learned weights must be at least this much closer (L1) to the truth than the prior. */
const MARGIN = 0.1;

function l1(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0);
}

describe.skipIf(!fs.existsSync(FIXTURE))('calibrator learning on the simulated capture', () => {
  it('moves every symbol’s weights toward the true leverage mix, by a clear margin over the prior', async () => {
    const truth = JSON.parse(fs.readFileSync(`${FIXTURE}.truth.json`, 'utf8')) as { leverageMix: Record<string, Record<string, number>>; minutes: number };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moonstream-learning-'));
    try {
      const runtime = createRuntime({ dataDir: dir, sink: { fsync: false } });
      for await (const batch of openCapture(FIXTURE)) runtime.pipeline.handleBatch(batch);
      runtime.close();
      const rows: string[] = [];
      for (const symbol of ['BTC', 'ETH', 'SOL']) {
        const leverage = leverageConfigFor(symbol);
        const raw = leverage.tiers.map((t) => (leverage.disabledTiers.has(t) ? 0 : (truth.leverageMix[symbol]![String(t)] ?? 0)));
        const total = raw.reduce((a, b) => a + b, 0);
        const mix = raw.map((w) => w / total);
        const saved = JSON.parse(fs.readFileSync(path.join(dir, 'weights', `${symbol}.json`), 'utf8')) as { weights: number[]; calibration_count: number };
        const counters = runtime.manager.get(symbol)!.calibrator.counters();
        const prior = l1(leverage.priorWeights, mix);
        const learned = l1(saved.weights, mix);
        rows.push(`${symbol}: L1(prior, truth) = ${prior.toFixed(3)}  L1(learned, truth) = ${learned.toFixed(3)}  calibrations ${saved.calibration_count}  events ${counters.total_events}  fallback ${counters.fallback}`);
        expect(counters.errors).toBe(0);
        expect(counters.guard_skips).toBe(0);
        expect(saved.calibration_count).toBe(truth.minutes / 15);
        expect(learned).toBeLessThan(prior - MARGIN);
      }
      console.log(`learning over ${truth.minutes} simulated minutes:\n  ${rows.join('\n  ')}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
