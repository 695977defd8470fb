import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../events.js';
import { decodeV2Extension } from '../engines/history-records.js';
import { EngineManager } from '../engines/manager.js';
import type { SnapshotV2 } from '../engines/snapshot-types.js';
import { SyntheticMarket, SYNTHETIC_SYMBOLS } from '../engines/testing/synthetic-market.js';
import type { ZonesFile } from '../engines/zones.js';
import { DataDirSink, type DataDirSinkOptions } from './data-dir-sink.js';
import { liquidationCalibrator } from '../engines/calibrator/index.js';
import { engineStateLoader, loadEngineState } from './engine-state.js';
import { RingKind } from './ring-codec.js';
import { RingFile } from './ring-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-sink-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function events(minutes: number, seed = 3): NormalizedEvent[] {
  return [...new SyntheticMarket({ seed, minutes, symbols: [SYNTHETIC_SYMBOLS.BTC!, SYNTHETIC_SYMBOLS.ETH!] }).events()];
}

function run(root: string, input: readonly NormalizedEvent[], restore = false, options: DataDirSinkOptions = {}): EngineManager {
  const sink = new DataDirSink(root, { fsync: false, ...options });
  const manager = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { sink }, ...(restore ? { restore: engineStateLoader(root) } : {}) });
  for (const e of input) manager.dispatch(e);
  manager.flush();
  sink.close();
  return manager;
}

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(root, p), fs.readFileSync(p));
    }
  };
  walk(root);
  return out;
}

describe('DataDirSink', () => {
  it('writes every per-symbol file of DESIGN.md section 5 with readable contents', () => {
    run(dir, events(12));
    expect([...files(dir).keys()]).toEqual([
      'history/BTC.v1.bin',
      'history/BTC.v2.bin',
      'history/ETH.v1.bin',
      'history/ETH.v2.bin',
      'logs/calibrator-BTC.jsonl',
      'logs/calibrator-ETH.jsonl',
      'snapshots/BTC.v1.json',
      'snapshots/BTC.v2.json',
      'snapshots/ETH.v1.json',
      'snapshots/ETH.v2.json',
      'state/BTC.json',
      'state/ETH.json',
      'zones/BTC.json',
      'zones/ETH.json',
    ]);
    const v2 = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots/BTC.v2.json'), 'utf8')) as SnapshotV2;
    expect(v2.symbol).toBe('BTC');
    const ring = RingFile.read(path.join(dir, 'history/BTC.v2.bin'));
    expect(ring.header.kind).toBe(RingKind.liquidationV2);
    expect(ring.torn).toEqual([]);
    expect(ring.records).toHaveLength(11); // the 12th minute is still open at the end of the input
    const last = ring.records.at(-1)!;
    expect(last.ts).toBe(v2.ts * 1000);
    expect(last.nBuckets).toBe(v2.prices.length);
    expect(last.priceMin).toBe(v2.price_min);
    expect(decodeV2Extension(last.ext).long.map((p) => p.price)).toEqual(v2.long_levels.map((p) => p.price));
    const zones = JSON.parse(fs.readFileSync(path.join(dir, 'zones/BTC.json'), 'utf8')) as ZonesFile;
    expect(zones).toMatchObject({ symbol: 'BTC', version: 1 });
    const log = fs.readFileSync(path.join(dir, 'logs/calibrator-BTC.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(log.filter((l) => l.type === 'minute')).toHaveLength(11);
  });

  it('writes byte-identical files for the same events, with or without coalesced JSON writes, buffered rings and logs, or the write queue', async () => {
    const input = events(25);
    const a = path.join(dir, 'a');
    run(a, input);
    const fa = files(a);
    const same = (root: string): void => {
      const fb = files(root);
      expect([...fb.keys()]).toEqual([...fa.keys()]);
      for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name)!), `${root}: ${name}`).toBe(true);
    };
    let wall = 0;
    const b = path.join(dir, 'b');
    run(b, input, false, { jsonMinIntervalMs: 1_000, bufferIntervalMs: 1_000, now: () => (wall += 7) });
    same(b);
    const c = path.join(dir, 'c');
    const queued = new DataDirSink(c, { fsync: true, queued: true });
    const manager = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { sink: queued } });
    for (const e of input) manager.dispatch(e);
    manager.flush();
    queued.close();
    await queued.drain();
    expect(queued.stats.queue).toMatchObject({ pending: 0, pendingBytes: 0, errors: 0, refused: 0 });
    expect(queued.stats.queue!.queued).toBeGreaterThan(100);
    same(c);
  });

  it('reports a failed queued write to onError after the fact and keeps going', async () => {
    fs.writeFileSync(path.join(dir, 'snapshots'), 'a file where a directory should be');
    const errors: string[] = [];
    const sink = new DataDirSink(dir, { fsync: false, queued: true, onError: (_e, file) => errors.push(path.relative(dir, file)) });
    sink.snapshotV1('BTC', () => ({}) as never);
    sink.zones('BTC', { symbol: 'BTC', saved_at: 0, zone_count: 0, zones: [], version: 1, totals: { created: 0, reinforced: 0, swept: 0, expired: 0, merged: 0, evicted: 0 } });
    sink.close();
    expect(errors).toEqual([]); // nothing has reached the disk yet
    await sink.drain();
    expect(errors).toEqual(['snapshots/BTC.v1.json']);
    expect(sink.stats).toMatchObject({ errors: 1 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'zones/BTC.json'), 'utf8'))).toMatchObject({ symbol: 'BTC', zone_count: 0 });
  });

  it('reloads zones after a restart so the run continues where it stopped', () => {
    const input = events(30);
    const cut = input.findIndex((e) => e.ts >= input[0]!.ts + 20 * 60_000);
    const first = run(dir, input.slice(0, cut));
    const before = first.get('BTC')!.zones.query();
    expect(before.length).toBeGreaterThan(0);
    const sink = new DataDirSink(dir, { fsync: false });
    const second = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { sink }, restore: engineStateLoader(dir) });
    expect(second.get('BTC')!.zones.query()).toEqual(before);
    expect(second.get('BTC')!.zones.summary()).toEqual(first.get('BTC')!.zones.summary());
    for (const e of input.slice(cut)) second.dispatch(e);
    sink.close();
    // the history rings carry on without a hole: minutes 0–18 before the restart; minute 19,
    // still open at shutdown, is reopened from the checkpoint and closes with the first event of the second run
    const minutes = RingFile.read(path.join(dir, 'history/BTC.v2.bin')).records.map((r) => (r.ts - Math.floor(input[0]!.ts / 60_000) * 60_000) / 60_000);
    expect(minutes).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    expect(second.get('BTC')!.counters()).toMatchObject({ checkpointRestored: 1, checkpointGapMinutes: 0 });
  });

  it('moves a corrupt zones file aside with a warning and starts without it', () => {
    fs.mkdirSync(path.join(dir, 'zones'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zones/BTC.json'), '{"symbol":"BTC","zones":[{"pri');
    const warnings: string[] = [];
    const loaded = loadEngineState(dir, 'BTC', { onWarning: (m) => warnings.push(m), now: () => 42 });
    expect(loaded.restore).toEqual({});
    expect(loaded.corrupt).toEqual([path.join(dir, 'zones/BTC.json')]);
    expect(fs.existsSync(path.join(dir, 'zones/BTC.json.corrupt-42'))).toBe(true);
    expect(warnings[0]).toContain('is corrupt');
  });

  it('hands the calibrator the PoC’s weights file from the data dir’s root only when ours is absent', () => {
    const poc = { schema_version: 2, symbol: 'BTC', ladder: [10, 20, 25, 50, 75, 100, 125], weights: [0, 0.18, 0.27, 0.3, 0.15, 0.08, 0.02] };
    fs.writeFileSync(path.join(dir, 'liq_calibrator_weights_BTC.json'), JSON.stringify(poc));
    expect(loadEngineState(dir, 'BTC').restore.weights).toEqual(poc);
    const warnings: string[] = [];
    const manager = new EngineManager({ symbols: ['BTC'], engine: { calibrator: liquidationCalibrator, onWarning: (m) => warnings.push(m) }, restore: engineStateLoader(dir) });
    expect(manager.get('BTC')!.calibrator.counters()).toMatchObject({ saved_loaded: 1, saved_migrated: 1 });
    expect(manager.get('BTC')!.inference.params().weights[2]).toBeCloseTo(0.18 / 1.24, 12);
    expect(warnings[0]).toMatch(/^BTC: saved calibrator weights migrated from schema_version 2/);
    fs.mkdirSync(path.join(dir, 'weights'));
    fs.writeFileSync(path.join(dir, 'weights/BTC.json'), JSON.stringify({ ...poc, schema_version: 1 }));
    expect(loadEngineState(dir, 'BTC').restore.weights).toMatchObject({ schema_version: 1 });
  });

  it('lets a calibrator continue counting its calibrations across a restart through the data dir', () => {
    const input = events(50);
    const cut = input.findIndex((e) => e.ts >= input[0]!.ts + 31 * 60_000);
    const engine = { calibrator: liquidationCalibrator };
    const firstSink = new DataDirSink(dir, { fsync: false });
    const first = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { ...engine, sink: firstSink } });
    for (const e of input.slice(0, cut)) first.dispatch(e);
    first.flush();
    firstSink.close();
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'weights/BTC.json'), 'utf8')) as { calibration_count: number; schema_version: number };
    expect(saved).toMatchObject({ schema_version: 3, calibration_count: 2 });
    const sink = new DataDirSink(dir, { fsync: false });
    const second = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { ...engine, sink }, restore: engineStateLoader(dir) });
    expect(second.get('BTC')!.calibrator.weights()).toEqual(first.get('BTC')!.calibrator.weights());
    for (const e of input.slice(cut)) second.dispatch(e);
    sink.close();
    const after = JSON.parse(fs.readFileSync(path.join(dir, 'weights/BTC.json'), 'utf8')) as { calibration_count: number };
    expect(after.calibration_count).toBe(3);
    const log = fs.readFileSync(path.join(dir, 'logs/calibrator-BTC.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(log.filter((l) => l.type === 'weights_restore')).toMatchObject([{ status: 'loaded' }]);
    expect(log.filter((l) => l.type === 'calibration')).toHaveLength(3);
  });

  it('moves an unreadable ring aside and starts a new one', () => {
    fs.mkdirSync(path.join(dir, 'history'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'history/BTC.v1.bin'), 'not a ring');
    const warnings: string[] = [];
    const sink = new DataDirSink(dir, { fsync: false, onWarning: (m) => warnings.push(m) });
    sink.historyRecord('BTC', 'v1', { ts: 60_000, src: 1, priceMin: 1, priceMax: 2, step: 1, nBuckets: 2, a: new Uint8Array([1, 2]), b: new Uint8Array([3, 4]), ext: new Uint8Array(0) });
    sink.close();
    expect(fs.readFileSync(path.join(dir, 'history/BTC.v1.bin.corrupt-60000'), 'utf8')).toBe('not a ring');
    expect(RingFile.read(path.join(dir, 'history/BTC.v1.bin')).records).toHaveLength(1);
    expect(sink.stats.ringsReset).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('coalesces JSON rewrites within the interval and writes the latest value when due and at close', () => {
    let wall = 0;
    const sink = new DataDirSink(dir, { fsync: false, jsonMinIntervalMs: 1_000, now: () => wall });
    const file = path.join(dir, 'weights/BTC.json');
    sink.weights('BTC', { n: 1 }); // written at once
    wall = 500;
    sink.weights('BTC', { n: 2 });
    sink.weights('BTC', { n: 3 });
    sink.flush(); // not due yet
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ n: 1 });
    wall = 1_000;
    sink.flush(); // due: the latest value
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ n: 3 });
    sink.weights('BTC', { n: 4 });
    sink.close();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ n: 4 });
    expect(sink.stats).toMatchObject({ jsonWrites: 3, jsonCoalesced: 1 });
  });

  it('reports a failed write to onError and keeps going', () => {
    fs.writeFileSync(path.join(dir, 'snapshots'), 'a file where a directory should be');
    const errors: string[] = [];
    const sink = new DataDirSink(dir, { fsync: false, onError: (_e, file) => errors.push(path.relative(dir, file)) });
    sink.snapshotV1('BTC', () => ({}) as never);
    sink.zones('BTC', { symbol: 'BTC', saved_at: 0, zone_count: 0, zones: [], version: 1, totals: { created: 0, reinforced: 0, swept: 0, expired: 0, merged: 0, evicted: 0 } });
    sink.close();
    expect(errors).toEqual(['snapshots/BTC.v1.json']);
    expect(sink.stats).toMatchObject({ errors: 1, jsonWrites: 1 });
  });
});
