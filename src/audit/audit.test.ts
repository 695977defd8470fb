import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { auditJson, runAudit, symbolsWithLogs } from './audit.js';
import { renderAuditMarkdown } from './markdown.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-audit-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;
const T0 = 29_459_520 * MIN;

function writeLog(name: string, lines: readonly (Record<string, unknown> | string)[]): void {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'logs', name), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
}

const minuteLine = (k: number, proj: unknown[] = [], tape: unknown[] = []) => ({ type: 'minute', ts: T0 + k * MIN, minute_key: T0 / MIN + k, close: 100, proj_added: proj, tape_added: tape });
const eventLine = (ts: number, side: string, price: number, venue = 'bybit') => ({ type: 'event', ts, venue, side, event_price: price, trigger_price: price, trigger_source: 'mark', notional: 500, is_hit: false, fallback: false, price_insane: false });

describe('audit of a data dir', () => {
  it('reads the rotated calibrator logs before the live one and counts the lines it cannot parse, naming them', async () => {
    writeLog('calibrator-BTC.20260105_0000.jsonl', [minuteLine(1, [['long', 50, 99, 1e5]]), eventLine(T0 + MIN + 5_000, 'long', 99.02)]);
    writeLog('calibrator-BTC.jsonl', ['{"type":"event","miss_distance_buckets":Infinity}', eventLine(T0 + 2 * MIN + 5_000, 'long', 95, 'okx')]);
    writeLog('calibrator-ETH.jsonl', [minuteLine(1)]);
    expect(symbolsWithLogs(dir)).toEqual(['BTC', 'ETH']);
    const report = await runAudit({ dataDir: dir, symbol: 'BTC' });
    const btc = report.symbols.BTC!;
    expect(btc.log.files).toEqual(['logs/calibrator-BTC.20260105_0000.jsonl', 'logs/calibrator-BTC.jsonl']);
    expect(btc.log).toMatchObject({ lines: 4, skipped: 1, skippedSamples: [{ file: 'logs/calibrator-BTC.jsonl', line: 1, reason: 'not JSON (non-standard token Infinity)' }] });
    expect(btc.liquidations.total).toBe(2);
    // the first liquidation is 0.02 % from the level of its own minute; the second 4 % from it
    expect(btc.hitRate.grids.projection.rows[0]!.cells.map((c) => c.hits)).toEqual([1, 1, 1, 1]);
    expect(btc.hitRate.grids.projection.rows[1]!.cells.map((c) => c.hits)).toEqual([1, 1, 1, 1]);
    expect(btc.venues).toMatchObject({ bybit: { long: { count: 1 } }, okx: { long: { count: 1 } } });
    expect(btc.topQuarter).toBeNull();
    expect(btc.warnings).toEqual(['history/BTC.v2.bin: no heatmap history ring, so the top-quarter comparison is left out']);
    const md = renderAuditMarkdown(report);
    expect(md).toContain('## BTC');
    expect(md).toContain('Skipped `logs/calibrator-BTC.jsonl`:1: not JSON (non-standard token Infinity).');
    expect(md).toContain('No calibration in the log yet');
    expect(JSON.parse(auditJson(report)).symbols.BTC.liquidations.total).toBe(2);
  });

  it('says there is nothing to score rather than printing rates of zero liquidations', async () => {
    writeLog('calibrator-BTC.jsonl', [minuteLine(1), eventLine(T0 + MIN + 5_000, 'long', 99)]);
    const md = renderAuditMarkdown(await runAudit({ dataDir: dir, since: T0 + 10 * MIN }));
    expect(md).toContain(`No liquidation since ${new Date(T0 + 10 * MIN).toISOString().replace('.000Z', 'Z')} to score: the accuracy sections are left out.`);
    expect(md).not.toContain('hit rate against same-side predicted levels');
    expect(md).toContain('### BTC: liquidations by venue');
  });

  it('audits every symbol with a log by default', async () => {
    writeLog('calibrator-BTC.jsonl', [minuteLine(1)]);
    writeLog('calibrator-SOL.20260105_0000.jsonl', [minuteLine(1)]);
    const report = await runAudit({ dataDir: dir });
    expect(Object.keys(report.symbols)).toEqual(['BTC', 'SOL']);
    expect(renderAuditMarkdown(report)).toMatch(/## BTC[\s\S]*## SOL/);
  });

  it('says clearly when there is nothing to audit', async () => {
    const none = await runAudit({ dataDir: dir }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(MoonstreamError);
    expect((none as MoonstreamError).code).toBe('FILE_NOT_FOUND');
    expect((none as Error).message).toBe(`${path.join(dir, 'logs')}: no calibrator log (logs/calibrator-*.jsonl) to audit; run \`moonstream replay\` or \`moonstream live\` first, or pass a capture`);
    writeLog('calibrator-BTC.jsonl', [minuteLine(1)]);
    await expect(runAudit({ dataDir: dir, symbol: 'ETH' })).rejects.toThrow(/calibrator-ETH\.jsonl: no calibrator log for ETH/);
    await expect(runAudit({ dataDir: path.join(dir, 'nope') })).rejects.toThrow(/nope: no such data dir/);
    // a symbol no engine knows is a usage error, as in replay, live and inspect
    const doge = await runAudit({ dataDir: dir, symbol: 'DOGE' }).catch((e: unknown) => e);
    expect((doge as MoonstreamError).code).toBe('USAGE');
    expect((doge as Error).message).toMatch(/^no engine configuration for DOGE/);
  });

  it('warns when the log holds overlapping runs (a capture replayed twice into one data dir)', async () => {
    writeLog('calibrator-BTC.jsonl', [minuteLine(1), minuteLine(2), eventLine(T0 + 2 * MIN, 'long', 99), minuteLine(1), minuteLine(2), eventLine(T0 + 2 * MIN, 'long', 99)]);
    const report = await runAudit({ dataDir: dir });
    expect(report.symbols.BTC!.warnings).toContain(
      'logs/calibrator-BTC.jsonl: 2 minute line(s) repeat or go back in time — the log holds overlapping runs (a capture replayed twice into one data dir?), so their liquidations count twice; replay with --fresh',
    );
  });

  it('notes a corrupt zones file in the report instead of failing', async () => {
    writeLog('calibrator-BTC.jsonl', [minuteLine(1)]);
    fs.mkdirSync(path.join(dir, 'zones'));
    fs.writeFileSync(path.join(dir, 'zones', 'BTC.json'), '{"symbol":');
    const report = await runAudit({ dataDir: dir });
    expect(report.symbols.BTC!.warnings).toContainEqual(expect.stringMatching(/^zones\/BTC\.json: not valid JSON/));
    expect(report.symbols.BTC!.zones.activeNow).toBeNull();
    expect(fs.readFileSync(path.join(dir, 'zones', 'BTC.json'), 'utf8')).toBe('{"symbol":'); // read-only: never moved aside
  });
});

describe('audit of a capture', () => {
  it('stops at the abort signal (Ctrl-C) with INTERRUPTED, exit 130, and removes its temporary data dir', async () => {
    const { writeSyntheticCapture } = await import('../testing/synthetic-capture.js');
    const capture = path.join(dir, 'c.jsonl');
    writeSyntheticCapture(capture, 5);
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const saved = process.env.TMPDIR;
    // os.tmpdir() follows TMPDIR: the temporary data dir lands where this test can see it
    process.env.TMPDIR = tmp;
    try {
      const controller = new AbortController();
      controller.abort();
      const err = (await runAudit({ dataDir: dir, capture, signal: controller.signal }).catch((e: unknown) => e)) as MoonstreamError;
      expect(err).toBeInstanceOf(MoonstreamError);
      expect(err.code).toBe('INTERRUPTED');
      expect(err.exitCode).toBe(130);
      expect(err.message).toMatch(/^audit interrupted while replaying .*c\.jsonl \(0 envelopes in\); no report, temporary data dir removed$/);
      expect(fs.readdirSync(tmp)).toEqual([]);
      // without a signal the same capture is scored
      const report = await runAudit({ dataDir: dir, capture });
      expect(report.capture?.envelopes).toBeGreaterThan(0);
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
