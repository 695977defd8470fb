import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { v2Record } from '../engines/history-records.js';
import type { Pool } from '../engines/heatmap.js';
import { POC_OB_RECORD_SIZE } from '../store/poc-ob-frame.js';
import { RingKind, slotOffset } from '../store/ring-codec.js';
import { RingFile } from '../store/ring-file.js';
import { bar, int, prettyJson, price, sparkline, usd } from '../cli/format.js';
import { inspect } from './inspect.js';
import { readRing } from './ring.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-inspect-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<MoonstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MoonstreamError);
  return error as MoonstreamError;
}

function pool(price: number, notional: number): Pool {
  return { price, price_low: price - 40, price_high: price + 40, notional_usd: notional, intensity: 1, bucket_count: 5, tape_notional_usd: 0, projected_notional_usd: notional, tier_notional_usd: {} } as unknown as Pool;
}

/** A PoC ob_heatmap_30s.bin record (POC-FACTS 2.7a). */
function pocRecord(tsSeconds: number, n: number, bid: number[]): Uint8Array {
  const bytes = new Uint8Array(POC_OB_RECORD_SIZE);
  const v = new DataView(bytes.buffer);
  v.setFloat64(0, tsSeconds, true);
  v.setFloat64(8, 65_897.65, true);
  v.setFloat64(16, 20, true);
  v.setFloat64(24, 59_300, true);
  v.setFloat64(32, 59_300 + (n - 1) * 20, true);
  v.setUint32(40, n, true);
  v.setFloat64(44, 333_754.27, true);
  v.setFloat64(52, 6_069_886.81, true);
  bid.forEach((x, i) => (bytes[76 + i] = x));
  return bytes;
}

describe('inspect text helpers', () => {
  it('draws a sparkline of the peak of each cell, blank for zero', () => {
    expect(sparkline([0, 0, 255, 0, 128, 0, 0, 0], 4)).toBe(' █▅ ');
    expect(sparkline([10], 40)).toBe('▁');
    expect(sparkline([], 10)).toBe('');
  });

  it('groups thousands by hand and rounds prices to their decimals', () => {
    expect([int(1_234_567.8), int(999), int(-1000), int(0.4)]).toEqual(['1,234,568', '999', '-1,000', '0']);
    expect([price(79_123.456, 2), price(0.5, 2), price(-1234.5, 0), price(-0.001, 2), price(1_000_000, 0)]).toEqual(['79,123.46', '0.50', '-1,235', '0.00', '1,000,000']);
    expect([usd(5_449_480.4), usd(-12.5)]).toEqual(['$5,449,480', '−$13']);
  });

  it('prints JSON like JSON.stringify with two spaces, keeping arrays of plain values on one line', () => {
    const value = { a: [1, 2, 3], b: { c: 'x', d: [{ e: null }], skip: undefined }, f: [], g: {} };
    expect(prettyJson(value)).toBe('{\n  "a": [1,2,3],\n  "b": {\n    "c": "x",\n    "d": [\n      {\n        "e": null\n      }\n    ]\n  },\n  "f": [],\n  "g": {}\n}');
    expect(JSON.parse(prettyJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('draws bars in eighths of a cell', () => {
    expect(bar(1, 2, 4)).toBe('██');
    expect(bar(0.3, 1, 1)).toBe('▎');
    expect(bar(0, 1, 10)).toBe('');
  });
});

describe('inspect ring', () => {
  it("reads the PoC's ob_heatmap_30s.bin: frames oldest first, empty records and a torn tail reported", async () => {
    const file = path.join(dir, 'ob_heatmap_30s.bin');
    const bytes = new Uint8Array(3 * POC_OB_RECORD_SIZE + 100);
    bytes.set(pocRecord(1_772_242_410, 660, [0, 255, 7]), 0);
    bytes.set(pocRecord(0, 660, []), POC_OB_RECORD_SIZE);
    bytes.set(pocRecord(1_772_242_440, 659, [9]), 2 * POC_OB_RECORD_SIZE);
    fs.writeFileSync(file, bytes);
    const { text, json } = await inspect({ target: 'ring', file, dataDir: dir });
    expect(json).toMatchObject({ format: 'poc-ob-frames', kind: 'orderbook', held: 2, skipped: 1, trailing_bytes: 100, oldest_ts: 1_772_242_410_000, newest_ts: 1_772_242_440_000 });
    const records = (json as { records: { ts: number; n_buckets: number; bid: number[] }[] }).records;
    expect(records.map((r) => [r.ts, r.n_buckets])).toEqual([
      [1_772_242_410_000, 660],
      [1_772_242_440_000, 659],
    ]);
    expect(records[0]!.bid.slice(0, 3)).toEqual([0, 255, 7]);
    expect(text).toContain("the PoC's order-book frames (ob_heatmap_30s.bin) · 2 frames · 2026-02-28T01:33:30Z → 2026-02-28T01:34:00Z");
    expect(text).toContain('1 empty record(s) skipped');
    expect(text).toContain('p50 $333.8k · p95 $6.07M');
  });

  it('reads only the newest records of a moonstream ring, with their pools, and reports a torn one', () => {
    const file = path.join(dir, 'BTC.v2.bin');
    const ring = RingFile.open(file, { capacity: 4, kind: RingKind.liquidationV2 });
    for (let i = 0; i < 6; i++) {
      ring.append(v2Record({ ts: i * 60_000, src: 65_000, priceMin: 58_500, priceMax: 71_500, step: 20 }, [0.5, 1], [0, 0.25], 1e6, [pool(64_000, 2e5 + i)], [pool(66_000, 1e5), pool(67_000, 5e4)]));
    }
    ring.close();
    // tear the record written 5th (sequence 4), which sits in slot 0
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, new Uint8Array([1, 2, 3]), 0, 3, slotOffset(0) + 100);
    fs.closeSync(fd);
    const view = readRing(file, 3);
    // the newest 3 are sequences 3, 4 and 5; 4 is torn
    expect(view).toMatchObject({ format: 'moonstream-ring', kind: 'liquidation-v2', capacity: 4, writeCount: 6, held: 4, oldestTs: 2 * 60_000, newestTs: 5 * 60_000, torn: [4] });
    expect(view.rows.map((r) => r.ts / 60_000)).toEqual([3, 5]);
    const all = readRing(file, 10);
    expect(all.torn).toEqual([4]);
    expect(all.rows.map((r) => r.ts / 60_000)).toEqual([2, 3, 5]);
    expect(all.rows[2]!.ext).toMatchObject({ maxUsd: 1e6, long: [{ price: 64_000, notional_usd: 200_005 }], short: [{ price: 66_000 }, { price: 67_000 }] });
  });
});

describe('inspect ring: a truncated file', () => {
  it('says the file is shorter than its header claims, in text and JSON', async () => {
    const file = path.join(dir, 'BTC.v2.bin');
    const ring = RingFile.open(file, { capacity: 1440, kind: RingKind.liquidationV2 });
    for (let i = 0; i < 120; i++) ring.append(v2Record({ ts: i * 60_000, src: 65_000, priceMin: 58_500, priceMax: 71_500, step: 20 }, [0.5], [0.25], 1e6, [], []));
    ring.close();
    fs.truncateSync(file, 100);
    const result = await inspect({ target: 'ring', file, dataDir: dir });
    // 4,096-byte header + 120 written slots × 4,096
    expect(result.text).toContain('truncated: 100 bytes, header says 495,616 (4,096-byte header + 120 written slots × 4,096); 10 of the records asked for lie past the end');
    expect(result.text).not.toContain('unreadable');
    expect(result.json).toMatchObject({ held: 120, capacity: 1440, torn: [], truncated: { bytes: 100, header_says: 495_616, missing: 10 } });
    // unwritten slots need not exist: a whole ring of 120 written slots is not truncated
    const whole = path.join(dir, 'ETH.v2.bin');
    const r2 = RingFile.open(whole, { capacity: 1440, kind: RingKind.liquidationV2 });
    for (let i = 0; i < 3; i++) r2.append(v2Record({ ts: i * 60_000, src: 65_000, priceMin: 58_500, priceMax: 71_500, step: 20 }, [0.5], [0.25], 1e6, [], []));
    r2.close();
    const ok = await inspect({ target: 'ring', file: whole, dataDir: dir });
    expect(ok.text).not.toContain('truncated');
    expect(ok.json).toMatchObject({ truncated: null });
  });
});

describe('inspect errors', () => {
  it('names a missing file, and a data dir without files of the kind', async () => {
    const missing = await failure(inspect({ target: 'weights', file: path.join(dir, 'nope.json'), dataDir: dir }));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toBe(`${path.join(dir, 'nope.json')}: no such file`);
    const empty = await failure(inspect({ target: 'zones', dataDir: dir }));
    expect(empty.message).toBe(`${dir}/zones: no zones files found (run \`moonstream replay\` or \`moonstream live\` first, or pass --data-dir)`);
    const noDir = await failure(inspect({ target: 'ring', dataDir: path.join(dir, 'absent') }));
    expect(noDir.message).toMatch(/absent: no such data dir/);
    const symbol = await failure(inspect({ target: 'weights', dataDir: dir, symbol: 'ETH' }));
    expect(symbol.message).toBe(`${path.join(dir, 'weights', 'ETH.json')}: no such file`);
  });

  it.each(['weights', 'zones', 'snapshot', 'ring'] as const)('%s --symbol refuses a symbol without an engine configuration, as replay and live do', async (target) => {
    fs.mkdirSync(path.join(dir, target === 'ring' ? 'history' : target === 'snapshot' ? 'snapshots' : target), { recursive: true });
    const err = await failure(inspect({ target, dataDir: dir, symbol: 'DOGE' }));
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('no engine configuration for DOGE (configured: BTC, ETH, SOL)');
  });

  it('says a data dir that is a regular file is not a directory', async () => {
    const afile = path.join(dir, 'afile');
    fs.writeFileSync(afile, '');
    expect((await failure(inspect({ target: 'zones', dataDir: afile }))).message).toBe(`${afile}: not a directory`);
  });

  it('names a corrupt or foreign file and leaves it where it is', async () => {
    const bad = path.join(dir, 'weights.json');
    fs.writeFileSync(bad, '{"schema_version":3,');
    expect((await failure(inspect({ target: 'weights', file: bad, dataDir: dir }))).message).toMatch(/weights\.json: not valid JSON \(/);
    expect(fs.existsSync(bad)).toBe(true);
    fs.writeFileSync(bad, JSON.stringify({ schema_version: 9, symbol: 'BTC', ladder: [20], weights: [1] }));
    const future = await failure(inspect({ target: 'weights', file: bad, dataDir: dir }));
    expect(future.code).toBe('STATE_CORRUPT');
    expect(future.message).toBe(`${bad}: not a usable weights file (schema_version 9 is newer than this build reads (3))`);
    fs.writeFileSync(bad, JSON.stringify({ symbol: 'BTC' }));
    expect((await failure(inspect({ target: 'zones', file: bad, dataDir: dir }))).message).toBe(`${bad}: not a zones file (no zones array)`);
    expect((await failure(inspect({ target: 'snapshot', file: bad, dataDir: dir }))).message).toBe(`${bad}: not a heatmap snapshot (neither V1 nor V2 keys)`);
    expect((await failure(inspect({ target: 'ring', file: bad, dataDir: dir }))).message).toMatch(/weights\.json: unreadable as a moonstream ring \(.*\) or as a PoC ob_heatmap_30s\.bin file$/);
    const empty = path.join(dir, 'empty.json');
    fs.writeFileSync(empty, '');
    expect((await failure(inspect({ target: 'zones', file: empty, dataDir: dir }))).message).toBe(`${empty}: empty file`);
  });

  it('asks for a FILE for capture and names an unreadable gzip', async () => {
    expect((await failure(inspect({ target: 'capture', dataDir: dir }))).code).toBe('USAGE');
    const gz = path.join(dir, 'bad.jsonl.gz');
    fs.writeFileSync(gz, 'not gzip at all\n');
    expect((await failure(inspect({ target: 'capture', file: gz, dataDir: dir }))).message).toMatch(/bad\.jsonl\.gz: not a readable gzip file/);
  });
});

describe('inspect weights', () => {
  it("shows a PoC weights file dropped into the data dir as this build migrates it, while ours is absent", async () => {
    // POC-FACTS 2.1
    const poc = {
      schema_version: 2, symbol: 'BTC', ladder: [10, 20, 25, 50, 75, 100, 125], weights: [0.0, 0.180028, 0.270041, 0.300046, 0.150013, 0.079905, 0.019967],
      buffer: 0.002, tolerance: 6, long_offset_usd: 0.0, short_offset_usd: -201.67, bias_pct_long: 0.0, bias_pct_short: 0.0, calibration_count: 1, saved_at: '2026-02-23T04:12:00.272738',
    };
    fs.writeFileSync(path.join(dir, 'liq_calibrator_weights_BTC.json'), JSON.stringify(poc));
    const { text, json } = await inspect({ target: 'weights', dataDir: dir });
    const btc = (json as Record<string, { schema_version: number; ladder: number[]; migrated_from: number; saved_at: string; tolerance: number }>).BTC!;
    expect(btc).toMatchObject({ schema_version: 3, migrated_from: 2, saved_at: '2026-02-23T04:12:00.272738', tolerance: 4 });
    expect(btc.ladder).toEqual([5, 10, 20, 25, 50, 75, 100, 125, 150, 200, 250]);
    expect(text).toContain(`BTC · ${path.join(dir, 'liq_calibrator_weights_BTC.json')} · schema 3 · migrated from schema_version 2 · 1 calibration(s)`);
    expect(text).toMatch(/note: ladder \[10, 20, 25, 50, 75, 100, 125\] re-mapped onto/);
  });
});

describe('inspect zones', () => {
  it('lists each side nearest to price first, with distance and the tiers behind each zone', async () => {
    const zonesFile = {
      symbol: 'BTC',
      saved_at: 6000,
      zone_count: 3,
      version: 1,
      totals: { created: 3, reinforced: 1, swept: 0, expired: 0, merged: 0, evicted: 0 },
      zones: [
        { price: 64_000, side: 'long', weight: 0.5, created_at: 2400, last_reinforced_at: 5400, reinforcement_count: 1, source: 'combined', tier_contributions: { '50': 0.3 }, state: 'reinforced', untiered_contribution: 0.2 },
        { price: 64_500, side: 'long', weight: 0.2, created_at: 5940, last_reinforced_at: 5940, reinforcement_count: 0, source: 'inference', tier_contributions: { '100': 0.2 }, state: 'created', untiered_contribution: 0 },
        { price: 66_000, side: 'short', weight: 1, created_at: 0, last_reinforced_at: 0, reinforcement_count: 0, source: 'tape', tier_contributions: {}, state: 'created', untiered_contribution: 1 },
      ],
    };
    fs.mkdirSync(path.join(dir, 'zones'));
    fs.mkdirSync(path.join(dir, 'snapshots'));
    fs.writeFileSync(path.join(dir, 'zones', 'BTC.json'), JSON.stringify(zonesFile));
    fs.writeFileSync(path.join(dir, 'snapshots', 'BTC.v2.json'), JSON.stringify({ price: 65_000, step: 20 }));
    const one = await inspect({ target: 'zones', dataDir: dir, symbol: 'BTC' });
    const json = one.json as { long: { price: number; age_min: number; distance_pct: number }[]; short: unknown[]; price: number };
    expect(json.price).toBe(65_000);
    expect(json.long.map((z) => [z.price, z.age_min, z.distance_pct])).toEqual([
      [64_500, 1, -0.007692],
      [64_000, 60, -0.015385],
    ]);
    expect(one.text).toContain('3 active (2 long, 1 short) · lifetime 3 created, 1 reinforcements, 0 swept, 0 expired');
    expect(one.text).toMatch(/64,000\s+−1\.54 %\s+0\.5000\s+\S+\s+reinforced\s+combined\s+1h00m\s+10m ago\s+1\s+50x 60%, tape 40%/);
    // without --symbol: keyed by symbol, whatever the data dir holds
    const all = await inspect({ target: 'zones', dataDir: dir });
    expect(Object.keys(all.json as object)).toEqual(['BTC']);
  });
});

const REAL = path.resolve(import.meta.dirname, '../../../shared/data/binance-usdm-btcusdt-2024-07-18/btcusdt_20240718.gz');

describe.skipIf(!fs.existsSync(REAL))('inspect capture on the real Binance recording (../shared/data, hftbacktest format)', () => {
  it('reads the <ns> <json> lines as Binance envelopes and counts them by channel', async () => {
    const { json, text } = await inspect({ target: 'capture', file: REAL, dataDir: dir });
    expect(json).toMatchObject({ format: 'hftbacktest', gzip: true, header: null, envelopes: 11_414, malformed: 0, by_venue: { binance: 11_414 } });
    const channels = (json as { channels: { channel: string; envelopes: number }[] }).channels;
    expect(channels.map((c) => [c.channel, c.envelopes])).toEqual([
      ['bookTicker', 7_113],
      ['depth@0ms', 3_326],
      ['trade', 974],
      ['rest.depthSnapshot', 1],
    ]);
    expect(text).toContain('hftbacktest <ns> <json> lines (Binance), gzip');
  });
});
