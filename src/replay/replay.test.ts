import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { writeSyntheticCapture } from '../testing/synthetic-capture.js';
import { formatSummary } from './format.js';
import { replay } from './replay.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-replay-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function filesUnder(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(path.relative(root, full), fs.readFileSync(full));
    }
  };
  walk(root);
  return out;
}

describe('replay', () => {
  it('gives byte-identical state files when the same capture is replayed into two empty data dirs', async () => {
    const capture = path.join(dir, 'c.jsonl.gz');
    writeSyntheticCapture(capture, 20);
    const a = await replay({ files: [capture], dataDir: path.join(dir, 'a'), symbols: ['BTC'] });
    const b = await replay({ files: [capture], dataDir: path.join(dir, 'b'), symbols: ['BTC'] });
    const filesA = filesUnder(path.join(dir, 'a'));
    const filesB = filesUnder(path.join(dir, 'b'));
    expect([...filesA.keys()].sort()).toEqual([...filesB.keys()].sort());
    expect([...filesA.keys()]).toEqual(
      expect.arrayContaining(['snapshots/BTC.v1.json', 'snapshots/BTC.v2.json', 'history/BTC.v1.bin', 'history/BTC.v2.bin', 'zones/BTC.json', 'logs/calibrator-BTC.jsonl']),
    );
    for (const [name, bytes] of filesA) expect(bytes.equals(filesB.get(name)!), name).toBe(true);
    expect(a.envelopes).toBe(b.envelopes);
  });

  it('summarizes what it read: envelopes, events, liquidations by side and zones', async () => {
    const capture = path.join(dir, 'c.jsonl');
    writeSyntheticCapture(capture, 10);
    const s = await replay({ files: [capture], dataDir: path.join(dir, 'd'), symbols: ['BTC'] });
    // 600 s: 600 marks + 200 aggTrades + 40 OI polls + 6 liquidations + 600 ticks
    expect(s.envelopes).toBe(1446);
    expect(s.events).toEqual({ liquidation: 6, markPrice: 600, openInterest: 40, tick: 600, trade: 200 });
    expect(s.malformedLines).toBe(0);
    expect(s.liquidations.BTC!.binance!.long.count + s.liquidations.BTC!.binance!.short.count).toBe(6);
    expect(s.liquidations.BTC!.binance!.long.count).toBe(3);
    expect(s.zones.BTC!.created).toBeGreaterThan(0);
    expect(formatSummary(s)).toContain('binance  liquidation 6, markPrice 600, openInterest 40, trade 200');
  });

  it('counts malformed lines with their numbers and goes on, unless strict', async () => {
    const capture = path.join(dir, 'm.jsonl');
    writeSyntheticCapture(capture, 2);
    const lines = fs.readFileSync(capture, 'utf8').split('\n');
    lines.splice(5, 0, '{"t":1,"v":"binance"');
    fs.writeFileSync(capture, lines.join('\n'));
    const s = await replay({ files: [capture], dataDir: path.join(dir, 'm'), symbols: ['BTC'] });
    expect(s.malformedLines).toBe(1);
    expect(s.malformedSamples[0]).toMatchObject({ line: 6 });
    await expect(replay({ files: [capture], dataDir: path.join(dir, 'm2'), strict: true })).rejects.toThrow(/m\.jsonl:6: not JSON/);
  });

  it('refuses a missing file before writing anything', async () => {
    const err = await replay({ files: [path.join(dir, 'nope.jsonl')], dataDir: path.join(dir, 'x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoonstreamError);
    expect((err as Error).message).toMatch(/nope\.jsonl: no such file/);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('refuses a symbol without an engine configuration before touching the data dir', async () => {
    const capture = path.join(dir, 's.jsonl');
    writeSyntheticCapture(capture, 1);
    const dataDir = path.join(dir, 'kept');
    fs.mkdirSync(path.join(dataDir, 'zones'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'zones', 'BTC.json'), '{}');
    const err = (await replay({ files: [capture], dataDir, symbols: ['BTC', 'DOGE'], fresh: true }).catch((e: unknown) => e)) as MoonstreamError;
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('no engine configuration for DOGE (configured: BTC, ETH, SOL)');
    expect(fs.existsSync(path.join(dataDir, 'zones', 'BTC.json'))).toBe(true);
  });

  it('refuses an unreadable gzip', async () => {
    const bad = path.join(dir, 'bad.jsonl.gz');
    fs.writeFileSync(bad, 'plain text pretending to be gzip\n');
    await expect(replay({ files: [bad], dataDir: path.join(dir, 'y') })).rejects.toThrow(/bad\.jsonl\.gz: not a readable gzip file/);
  });

  it('refuses a capture with no known venue messages', async () => {
    const unknown = path.join(dir, 'unknown.jsonl');
    fs.writeFileSync(unknown, '{"t":1,"v":"kraken","c":"trade","d":{}}\n{"t":2,"v":"binance","c":"nonsense","d":{}}\n');
    const err = (await replay({ files: [unknown], dataDir: path.join(dir, 'z') }).catch((e: unknown) => e)) as MoonstreamError;
    expect(err.code).toBe('CAPTURE_EMPTY');
    expect(err.message).toMatch(/no known venue messages in 2 envelopes/);
  });

  it('paces envelopes at the requested speed with the injected clock', async () => {
    const capture = path.join(dir, 'p.jsonl');
    writeSyntheticCapture(capture, 1);
    let wall = 0;
    const sleeps: number[] = [];
    await replay({
      files: [capture],
      dataDir: path.join(dir, 'p'),
      symbols: ['BTC'],
      speed: 10,
      now: () => wall,
      sleep: async (ms) => {
        sleeps.push(ms);
        wall += ms;
      },
    });
    // 60 s of capture at 10×: about 6 s of sleeping
    const slept = sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeGreaterThan(5_800);
    expect(slept).toBeLessThan(6_100);
  });

  it('keeps only envelopes inside --from/--to', async () => {
    const capture = path.join(dir, 'w.jsonl');
    writeSyntheticCapture(capture, 3);
    const from = Date.UTC(2026, 10, 23, 12, 1, 0);
    const to = Date.UTC(2026, 10, 23, 12, 1, 59, 999);
    const s = await replay({ files: [capture], dataDir: path.join(dir, 'w'), symbols: ['BTC'], from, to });
    expect(s.events.markPrice).toBe(60);
    expect(s.skippedByTime).toBeGreaterThan(0);
  });
});
