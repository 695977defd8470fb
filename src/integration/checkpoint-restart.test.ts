/**
 * A replay split in two into one data dir continues from the engine checkpoint
 * (state/{SYM}.json): 20 minutes after the split, the inventory and the V2 map are
 * those of one unbroken replay, where without the checkpoint they restart from empty.
 * Books are not checkpointed (they resync from a REST snapshot), so the split run's
 * minute prices come from marks until a book snapshot arrives: close, not identical.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineCheckpoint } from '../engines/checkpoint.js';
import type { SnapshotV2 } from '../engines/snapshot-types.js';
import { replay } from '../replay/replay.js';

const FIXTURE = path.join(import.meta.dirname, '../../fixtures/sim-2h.jsonl.gz');
const START = 1767571200000; // the fixture's header: 2026-01-05T00:00Z
const SPLIT = START + 60 * 60_000; // 01:00
const END = START + 80 * 60_000; // 01:20
const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;

let root: string;

interface Measure {
  inventoryUsd: number;
  combinedUsd: number;
  pools: number;
  stateBytes: number;
}

function measure(dir: string, symbol: string): Measure {
  const file = path.join(dir, 'state', `${symbol}.json`);
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as EngineCheckpoint;
  let inventoryUsd = 0;
  for (const side of [state.inventory.long, state.inventory.short]) for (const flat of side) for (let i = 1; i < flat.length; i += 3) inventoryUsd += flat[i]!;
  const v2 = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', `${symbol}.v2.json`), 'utf8')) as SnapshotV2;
  const sum = (a: readonly number[]) => a.reduce((x, y) => x + y, 0);
  return { inventoryUsd, combinedUsd: sum(v2.long_usd) + sum(v2.short_usd), pools: v2.long_levels.length + v2.short_levels.length, stateBytes: fs.statSync(file).size };
}

const results: Record<string, { single: Measure; split: Measure; noCheckpoint: Measure }> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'moonstream-checkpoint-'));
  const single = path.join(root, 'single');
  const split = path.join(root, 'split');
  const none = path.join(root, 'none');
  await replay({ files: [FIXTURE], dataDir: single, to: END - 1 });
  await replay({ files: [FIXTURE], dataDir: split, to: SPLIT - 1 });
  fs.cpSync(split, none, { recursive: true });
  fs.rmSync(path.join(none, 'state'), { recursive: true, force: true }); // the restart as it was: zones and weights only
  await replay({ files: [FIXTURE], dataDir: split, from: SPLIT, to: END - 1 });
  await replay({ files: [FIXTURE], dataDir: none, from: SPLIT, to: END - 1 });
  for (const s of SYMBOLS) {
    const noneState = measure(none, s); // its state file is the second run's own
    results[s] = { single: measure(single, s), split: measure(split, s), noCheckpoint: noneState };
  }
  console.log('checkpoint restart at 01:00, measured at 01:20 (USD):');
  for (const s of SYMBOLS) {
    const r = results[s]!;
    console.log(
      `  ${s}: inventory single ${r.single.inventoryUsd.toFixed(0)} | split+checkpoint ${r.split.inventoryUsd.toFixed(0)} | split without ${r.noCheckpoint.inventoryUsd.toFixed(0)}; ` +
        `V2 combined map ${r.single.combinedUsd.toFixed(0)} | ${r.split.combinedUsd.toFixed(0)} | ${r.noCheckpoint.combinedUsd.toFixed(0)}; pools ${r.single.pools} | ${r.split.pools} | ${r.noCheckpoint.pools}; state file ${r.single.stateBytes} B`,
    );
  }
}, 300_000);

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('replay split in two into one data dir', () => {
  it.each(SYMBOLS)('%s: the inventory and V2 map after the split are those of one unbroken replay', (symbol) => {
    const r = results[symbol]!;
    expect(r.split.inventoryUsd / r.single.inventoryUsd).toBeGreaterThan(0.999);
    expect(r.split.inventoryUsd / r.single.inventoryUsd).toBeLessThan(1.001);
    expect(r.split.combinedUsd / r.single.combinedUsd).toBeGreaterThan(0.999);
    expect(r.split.combinedUsd / r.single.combinedUsd).toBeLessThan(1.001);
    // without the checkpoint the second run starts from an empty inventory
    expect(r.noCheckpoint.inventoryUsd / r.single.inventoryUsd).toBeLessThan(0.8);
  });
});
