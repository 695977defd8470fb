/**
 * The offline product end to end on the shipped fixture (issue 8): `replay` the
 * simulated two-hour capture into a data dir, `inspect` what it left there, `audit` it —
 * with concrete numbers from each, cross-checked between them — then determinism (a
 * second replay gives the same bytes) and bad input through the real binary.
 *
 * The numbers are pinned: a change to the normalizers, the engines or the calibrator
 * that moves them must be a conscious one (update them here with the reason).
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditReport } from '../audit/audit.js';
import { cellOf } from '../audit/hit-rate.js';
import { renderAuditMarkdown } from '../audit/markdown.js';
import { main } from '../cli/program.js';
import { inspectWeights } from '../engines/calibrator/weights-file.js';
import { inspect } from '../inspect/inspect.js';
import { replay, type ReplaySummary } from '../replay/replay.js';
import { writeSyntheticCapture } from '../testing/synthetic-capture.js';

const FIXTURE = path.join(import.meta.dirname, '../../fixtures/sim-2h.jsonl.gz');
const BIN = path.join(import.meta.dirname, '../../dist/bin/moonstream.js');
const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;

let root: string;
let dataDir: string;
let summary: ReplaySummary;
let report: AuditReport;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-offline-'));
  dataDir = path.join(root, 'a');
  summary = await replay({ files: [FIXTURE], dataDir });
  report = await runAudit({ dataDir });
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'moonstream', ...args], { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

describe('replay of the shipped fixture', () => {
  it('reads every envelope and normalizes the liquidations of the three venues', () => {
    expect(summary.envelopes).toBe(72_906);
    expect(summary.malformedLines).toBe(0);
    expect(summary.events.liquidation).toBe(1_118);
    expect(summary.events.tick).toBe(7_200);
    expect(summary.liquidations.BTC).toMatchObject({
      binance: { long: { count: 91 }, short: { count: 23 } },
      bybit: { long: { count: 106 }, short: { count: 116 } },
      okx: { long: { count: 74 }, short: { count: 86 } },
    });
    expect(summary.calibrator.BTC).toEqual({ events: 496, calibrations: 8, held: 0 });
    expect(summary.zones.BTC).toEqual({ active: 75, swept: 42, expired: 10, created: 127 });
    for (const symbol of SYMBOLS) for (const book of Object.values(summary.orderbook[symbol]!)) expect(book).toMatchObject({ synced: true, gaps: 0, resyncs: 0 });
  });
});

describe('inspect on the replayed data dir', () => {
  it('shows the zones the replay left, as many as its summary counted', async () => {
    for (const symbol of SYMBOLS) {
      const { json } = await inspect({ target: 'zones', dataDir, symbol });
      const zones = json as { zone_count: number; long: unknown[]; short: unknown[]; totals: { created: number; swept: number } };
      expect(zones.zone_count).toBe(summary.zones[symbol]!.active);
      expect(zones.long.length + zones.short.length).toBe(zones.zone_count);
      expect(zones.totals).toMatchObject({ created: summary.zones[symbol]!.created, swept: summary.zones[symbol]!.swept });
    }
    const { code, out } = await cli('inspect', 'zones', '--data-dir', dataDir, '--symbol', 'BTC');
    expect(code).toBe(0);
    expect(out).toContain('· saved 2026-01-05T02:00:00Z · 75 active (42 long, 33 short) · lifetime 127 created, 550 reinforcements, 42 swept, 10 expired');
  });

  it('prints the calibrator’s own weights object, after 8 calibrations', async () => {
    const { code, out } = await cli('inspect', 'weights', '--data-dir', dataDir, '--symbol', 'ETH', '--json');
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { calibration_count: number; disabled_tiers: number[]; ladder: number[] };
    const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'weights', 'ETH.json'), 'utf8')) as unknown;
    const rendered = inspectWeights(file, { symbol: 'ETH' });
    expect(rendered.ok).toBe(true);
    expect(printed).toEqual(JSON.parse(JSON.stringify(rendered.ok ? rendered.file : null)));
    expect(printed).toMatchObject({ calibration_count: 8, disabled_tiers: [10], ladder: [5, 10, 20, 25, 50, 75, 100, 125] });
    const text = await cli('inspect', 'weights', '--data-dir', dataDir, '--symbol', 'ETH');
    expect(text.out).toMatch(/^\s+10x\s+—\s+disabled$/m);
  });

  it('shows the newest ring records: a minute per V2 record, a 30 s frame per order-book record', async () => {
    const { json } = await inspect({ target: 'ring', dataDir, symbol: 'BTC', records: 3 });
    const rings = json as Record<'v1' | 'v2' | 'orderbook', { held: number; newest_ts: number; records: { ts: number; ext: { long?: unknown[] } }[] }>;
    expect(rings.v1.held).toBe(120);
    expect(rings.v2.held).toBe(120);
    expect(rings.orderbook.held).toBe(240);
    expect(rings.v2.records.map((r) => r.ts)).toEqual([1_767_578_280_000, 1_767_578_340_000, 1_767_578_400_000]);
    expect(rings.v2.records[2]!.ext.long).toHaveLength(6);
    expect(rings.orderbook.newest_ts).toBe(1_767_578_370_000);
    const snapshot = (await inspect({ target: 'snapshot', dataDir, symbol: 'BTC' })).json as { v2: { time: string; long_levels: unknown[]; short_levels: unknown[] } };
    expect(snapshot.v2).toMatchObject({ time: '2026-01-05T02:00:00Z' });
    expect([snapshot.v2.long_levels.length, snapshot.v2.short_levels.length]).toEqual([6, 6]);
  });

  it('counts the fixture’s envelopes by venue and channel', async () => {
    const { json } = await inspect({ target: 'capture', file: FIXTURE, dataDir });
    const capture = json as { envelopes: number; by_venue: Record<string, number>; channels: { venue: string; channel: string; envelopes: number }[]; header: { seed: number } };
    expect(capture.envelopes).toBe(summary.envelopes);
    expect(capture.by_venue).toEqual({ binance: 37_617, bybit: 11_338, moonstream: 7_200, okx: 16_751 });
    expect(capture.channels.find((c) => c.venue === 'bybit' && c.channel === 'allLiquidation')!.envelopes).toBe(217);
    expect(capture.header.seed).toBe(1);
  });
});

describe('audit of the replayed data dir', () => {
  it('fills the PoC hit-rate grid from the logged levels', () => {
    const btc = report.symbols.BTC!.hitRate;
    expect(btc.events).toBe(496);
    const row = (set: 'combined' | 'projection' | 'tape', lookback: number) => {
      const r = btc.grids[set].rows.find((x) => x.lookback === lookback)!;
      return [r.gaps, ...r.cells.map((c) => c.hits)];
    };
    expect(row('combined', 5)).toEqual([3, 421, 492, 493, 493]);
    expect(row('projection', 5)).toEqual([77, 403, 419, 419, 419]);
    expect(row('tape', 5)).toEqual([39, 145, 296, 454, 457]);
    expect(row('combined', 0)[0]).toBe(197);
    expect(cellOf(btc.grids.combined, 5, 0.005)).toMatchObject({ hits: 493, gaps: 3, misses: 0 });
    // a liquidation's own bucket is always there when its own minute counts (the PoC's unfiltered tape)
    expect(btc.grids.tapeOwnMinute.rows.find((r) => r.lookback === 1)!.gaps).toBe(0);
    expect(report.symbols.SOL!.hitRate.grids.combined.rows.find((r) => r.lookback === 5)!.cells.map((c) => c.hits)).toEqual([125, 159, 204, 210]);
  });

  it('catches more liquidated notional with the top quarter of predicted pools than with as many random levels', () => {
    const at = (symbol: string, tolerance: number) => report.symbols[symbol]!.topQuarter!.rows.find((r) => r.tolerance === tolerance)!;
    expect(at('BTC', 0.005).model).toBeCloseTo(0.4357, 4);
    expect(at('BTC', 0.005).randomBand).toBeCloseTo(0.143, 4);
    expect(at('ETH', 0.005).model).toBeCloseTo(0.8008, 4);
    expect(at('ETH', 0.005).randomBand).toBeCloseTo(0.1186, 4);
    expect(at('SOL', 0.005).model).toBeCloseTo(0.4858, 4);
    expect(at('SOL', 0.005).randomBand).toBeCloseTo(0.1502, 4);
    for (const symbol of SYMBOLS) {
      const t = report.symbols[symbol]!.topQuarter!;
      expect(t.events).toBe(report.symbols[symbol]!.hitRate.events - t.noSnapshot);
      for (const r of t.rows) expect(r.model).toBeGreaterThan(r.randomBand * 1.5);
    }
  });

  it('counts liquidations per venue exactly as the replay did, and the zone outcomes the engine logged', () => {
    for (const symbol of SYMBOLS) {
      const venues = report.symbols[symbol]!.venues;
      for (const [venue, sides] of Object.entries(summary.liquidations[symbol]!)) {
        expect(venues[venue]!.long.count).toBe(sides.long.count);
        expect(venues[venue]!.short.count).toBe(sides.short.count);
        // the log rounds each notional to cents
        expect(Math.abs(venues[venue]!.short.notional - sides.short.notional)).toBeLessThanOrEqual(0.005 * sides.short.count + 1e-6);
      }
      const z = report.symbols[symbol]!.zones;
      expect(z.created.total).toBe(summary.zones[symbol]!.created);
      expect(z.sweptWithLiquidations.total + z.sweptWithoutLiquidations.total).toBe(summary.zones[symbol]!.swept);
      expect(z.expiredWeight.total + z.expiredAge.total).toBe(summary.zones[symbol]!.expired);
      expect(z.activeNow!.total).toBe(summary.zones[symbol]!.active);
    }
    expect(report.symbols.BTC!.zones.sweptWithLiquidations.total).toBe(31);
  });

  it('follows the weights through the 8 calibrations and marks the disabled tier', () => {
    const btc = report.symbols.BTC!;
    expect(btc.calibrations).toHaveLength(8);
    expect(btc.calibrations.filter((c) => c.applied)).toHaveLength(7);
    expect(btc.weightsEnd).toMatchObject({ '5': 0.30553, '10': 0, '125': 0.016444 });
    expect(btc.disabledTiers).toEqual([10]);
    expect(btc.tiers.find((t) => t.tier === 10)).toMatchObject({ disabled: true });
    expect(btc.tiers.find((t) => t.tier === 250)).toMatchObject({ approached: 66, approachHits: 40 });
    expect(btc.log.skipped).toBe(0);
  });

  it('writes the markdown report through the CLI, and the same numbers as JSON', async () => {
    const md = await cli('audit', '--data-dir', dataDir, '--symbol', 'BTC');
    expect(md.code).toBe(0);
    expect(md.out).toBe(renderAuditMarkdown({ ...report, symbols: { BTC: report.symbols.BTC! } }));
    expect(md.out).toContain('| 5 min | 84.9 % | 99.2 % | 99.4 % | 99.4 % | 0.6 % |');
    expect(md.out).toContain('| 0.50 % | **43.6 %** | 14.3 % | 41.4 % | 3.05× |');
    expect(md.out).toContain('| bybit | 106 | $2,155,956 | 116 | $3,293,524 | 222 | $5,449,480 |');
    const json = await cli('audit', '--data-dir', dataDir, '--format', 'json', '--since', '2026-01-05T01:00:00Z');
    const parsed = JSON.parse(json.out) as AuditReport;
    expect(Object.keys(parsed.symbols)).toEqual(['BTC', 'ETH', 'SOL']);
    expect(parsed.since).toBe(Date.UTC(2026, 0, 5, 1));
    expect(parsed.symbols.BTC!.liquidations.total).toBeLessThan(496);
    expect(parsed.symbols.BTC!.span.firstEvent).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 5, 1));
  });
});

describe('determinism and bad input', () => {
  it('gives byte-identical state files when the fixture is replayed again into an empty data dir', async () => {
    const again = path.join(root, 'b');
    await replay({ files: [FIXTURE], dataDir: again });
    const a = filesUnder(dataDir);
    const b = filesUnder(again);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBe(30); // 10 files per symbol: weights, zones, engine checkpoint, 2 snapshots, log, 3 rings, book stats
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  }, 60_000);

  it('audits a capture in one command, replaying it into a temporary data dir it removes', async () => {
    const capture = path.join(root, 'small.jsonl.gz');
    writeSyntheticCapture(capture, 40);
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('moonstream-audit-')).length;
    const { code, out } = await cli('audit', capture, '--format', 'json');
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as AuditReport;
    expect(parsed.dataDir).toBeNull();
    expect(parsed.capture).toMatchObject({ file: capture, malformedLines: 0 });
    expect(parsed.symbols.BTC!.liquidations.total).toBeGreaterThan(0);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('moonstream-audit-')).length).toBe(before);
  });

  describe('through the real binary', () => {
    const exec = promisify(execFile);
    const fail = async (...args: string[]) =>
      (await exec(process.execPath, [BIN, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e: unknown) => e,
      )) as { code: number; stderr: string };

    it.each([
      ['a missing capture', (dir: string) => path.join(dir, 'missing.jsonl'), /missing\.jsonl: no such file$/],
      [
        'an unreadable gzip',
        (dir: string) => {
          const f = path.join(dir, 'broken.jsonl.gz');
          fs.writeFileSync(f, 'this is not gzip\n');
          return f;
        },
        /broken\.jsonl\.gz: not a readable gzip file/,
      ],
      [
        'a capture with no venue messages',
        (dir: string) => {
          const f = path.join(dir, 'foreign.jsonl');
          fs.writeFileSync(f, '{"t":1,"v":"kraken","c":"trade","d":{}}\n{"t":2,"v":"binance","c":"nonsense","d":{}}\n');
          return f;
        },
        /foreign\.jsonl: no known venue messages in 2 envelopes$/,
      ],
    ])('replay refuses %s with one line and exit code 1', async (_name, make, message) => {
      const { code, stderr } = await fail('replay', make(root), '--data-dir', path.join(root, 'bad'));
      expect(code).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^moonstream: /);
      expect(lines[0]).toMatch(message);
    });

    it('inspect and audit name what is missing, in one line, exit code 1', async () => {
      const inspectMissing = await fail('inspect', 'ring', path.join(root, 'nope.bin'));
      expect(inspectMissing.code).toBe(1);
      expect(inspectMissing.stderr).toBe(`moonstream: ${path.join(root, 'nope.bin')}: no such file\n`);
      const empty = path.join(root, 'empty-dir');
      fs.mkdirSync(empty);
      const auditEmpty = await fail('audit', '--data-dir', empty);
      expect(auditEmpty.code).toBe(1);
      expect(auditEmpty.stderr).toBe(`moonstream: ${path.join(empty, 'logs')}: no calibrator log (logs/calibrator-*.jsonl) to audit; run \`moonstream replay\` or \`moonstream live\` first, or pass a capture\n`);
    });
  });
});
