import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { SYNTHETIC_T0, writeSyntheticCapture } from '../testing/synthetic-capture.js';
import { formatSummary } from './format.js';
import { progressFraction, replay, spanEnd } from './replay.js';
import { readRing } from '../inspect/ring.js';

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

describe('replay: early stop and bad arguments', () => {
  it('stops at the abort signal, flushes rings and logs up to where it stopped, and says it was interrupted', async () => {
    const capture = path.join(dir, 'a.jsonl');
    writeSyntheticCapture(capture, 20);
    const controller = new AbortController();
    let wall = 0;
    const dataDir = path.join(dir, 'a');
    const s = await replay({
      files: [capture],
      dataDir,
      symbols: ['BTC'],
      speed: 1,
      signal: controller.signal,
      now: () => wall,
      sleep: async (ms) => {
        wall += ms;
        // Ctrl-C after 7 minutes of capture time (sleeps are bounded by the 20-minute capture)
        if (wall >= 7 * 60_000) controller.abort();
      },
    });
    expect(s.interrupted).toBe(true);
    const stoppedAt = s.lastEventTime! - SYNTHETIC_T0;
    expect(stoppedAt).toBeGreaterThanOrEqual(7 * 60_000 - 1_000);
    expect(stoppedAt).toBeLessThan(7 * 60_000 + 1_000);
    // 20 minutes hold 1,200 marks; 7 minutes about 420
    expect(s.events.markPrice).toBeGreaterThanOrEqual(419);
    expect(s.events.markPrice).toBeLessThanOrEqual(421);
    // the batched writes were flushed: the V2 history ring holds the minutes replayed, up to the last closed one
    const ring = readRing(path.join(dataDir, 'history', 'BTC.v2.bin'), 1);
    expect(ring.newestTs).toBeGreaterThanOrEqual(SYNTHETIC_T0 + 5 * 60_000);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'calibrator-BTC.jsonl'), 'utf8').trim().split('\n');
    const lastMinute = log.map((l) => JSON.parse(l) as { type: string; ts: number }).filter((l) => l.type === 'minute').at(-1)!;
    expect(lastMinute.ts).toBeGreaterThanOrEqual(SYNTHETIC_T0 + 5 * 60_000);
    expect(formatSummary(s)).toMatch(/^Interrupted: replayed part of /);
  });

  it('returns an interrupted, empty summary rather than "no envelopes" when stopped before the first batch', async () => {
    const capture = path.join(dir, 'b.jsonl');
    writeSyntheticCapture(capture, 1);
    const controller = new AbortController();
    controller.abort();
    const s = await replay({ files: [capture], dataDir: path.join(dir, 'b'), symbols: ['BTC'], signal: controller.signal });
    expect(s).toMatchObject({ interrupted: true, envelopes: 0 });
  });

  it('is not interrupted without a signal', async () => {
    const capture = path.join(dir, 'c.jsonl');
    writeSyntheticCapture(capture, 1);
    const s = await replay({ files: [capture], dataDir: path.join(dir, 'c'), symbols: ['BTC'] });
    expect(s.interrupted).toBe(false);
  });

  it('refuses --from after --to as a usage error naming both', async () => {
    const capture = path.join(dir, 'w.jsonl');
    writeSyntheticCapture(capture, 1);
    const from = Date.UTC(2026, 10, 23, 13, 0, 0);
    const to = Date.UTC(2026, 10, 23, 12, 0, 0);
    const err = (await replay({ files: [capture], dataDir: path.join(dir, 'w'), from, to }).catch((e: unknown) => e)) as MoonstreamError;
    expect(err).toBeInstanceOf(MoonstreamError);
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--from 2026-11-23T13:00:00.000Z is after --to 2026-11-23T12:00:00.000Z: nothing to replay');
    expect(fs.existsSync(path.join(dir, 'w'))).toBe(false);
  });

  it('refuses a data dir that is a regular file before writing anything', async () => {
    const capture = path.join(dir, 'f.jsonl');
    writeSyntheticCapture(capture, 1);
    const afile = path.join(dir, 'afile');
    fs.writeFileSync(afile, 'x');
    const err = (await replay({ files: [capture], dataDir: afile, fresh: true }).catch((e: unknown) => e)) as MoonstreamError;
    expect(err).toBeInstanceOf(MoonstreamError);
    expect(err.message).toBe(`${afile}: not a directory`);
    expect(fs.readFileSync(afile, 'utf8')).toBe('x');
  });
});

describe('replay progress', () => {
  const T = SYNTHETIC_T0;
  it('tracks the events handled through the capture time span, not the bytes read ahead', () => {
    // a gzip capture read to its end (1 MiB read-ahead) while the pipeline is a quarter through its 2 hours
    expect(progressFraction({ bytesRead: 5_000_000, totalBytes: 5_000_000, first: T, reached: T + 30 * 60_000, end: T + 120 * 60_000 })).toBe(0.25);
    expect(progressFraction({ bytesRead: 0, totalBytes: 5_000_000, first: T, reached: T, end: T + 120 * 60_000 })).toBe(0);
    expect(progressFraction({ bytesRead: 5, totalBytes: 5, first: T, reached: T + 130 * 60_000, end: T + 120 * 60_000 })).toBe(1);
  });

  it('falls back to bytes read when the span is unknown', () => {
    expect(progressFraction({ bytesRead: 1_000, totalBytes: 4_000, first: T, reached: T + 60_000, end: undefined })).toBe(0.25);
    expect(progressFraction({ bytesRead: 1_000, totalBytes: 4_000, first: undefined, reached: undefined, end: T })).toBe(0.25);
    expect(progressFraction({ bytesRead: 0, totalBytes: 0, first: undefined, reached: undefined, end: undefined })).toBe(1);
  });

  it("takes the span's end from the header (started + minutes, or an explicit end) and --to", () => {
    const header = { moonstream: 'capture' as const, version: 1, started: T, minutes: 120 };
    expect(spanEnd(header)).toBe(T + 120 * 60_000);
    expect(spanEnd(header, T + 60_000)).toBe(T + 60_000);
    expect(spanEnd({ moonstream: 'capture', version: 1, started: T, ended: T + 5_000 })).toBe(T + 5_000);
    // a live recording's header has only `started`
    expect(spanEnd({ moonstream: 'capture', version: 1, started: T })).toBeUndefined();
    expect(spanEnd(undefined, T)).toBe(T);
  });

  it('reports a progress fraction by event time on a gzip capture with a span in its header', async () => {
    const capture = path.join(dir, 'g.jsonl.gz');
    writeSyntheticCapture(capture, 20);
    const fractions: number[] = [];
    let wall = 0;
    await replay({
      files: [capture],
      dataDir: path.join(dir, 'g'),
      symbols: ['BTC'],
      speed: 1,
      to: SYNTHETIC_T0 + 10 * 60_000,
      now: () => wall,
      sleep: async (ms) => {
        wall += ms;
      },
      onProgress: (p) => fractions.push(p.fraction),
    });
    // --to ends the span at 10 minutes: progress rises steadily rather than jumping to the bytes read ahead
    expect(fractions.length).toBeGreaterThan(100);
    const atFiveMinutes = fractions[Math.floor(fractions.length / 2)]!;
    expect(atFiveMinutes).toBeGreaterThan(0.4);
    expect(atFiveMinutes).toBeLessThan(0.6);
  });
});
