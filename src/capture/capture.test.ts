import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { tickEnvelope, type Envelope } from './envelope.js';
import { openCapture, readAllEnvelopes, type MalformedLine } from './reader.js';
import { CaptureWriter } from './writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-capture-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SAMPLE: Envelope[] = [
  {
    t: 1732312345123,
    v: 'binance',
    c: 'forceOrder',
    d: { e: 'forceOrder', E: 1568014460893, o: { s: 'BTCUSDT', S: 'SELL', q: '0.014', p: '9910' } },
  },
  { t: 1732312345200, v: 'bybit', c: 'allLiquidation', d: { topic: 'allLiquidation.BTCUSDT', data: [] } },
  {
    t: 1732312345300,
    v: 'binance',
    c: 'rest.openInterest',
    d: { openInterest: '10659.509', symbol: 'BTCUSDT', time: 1589437530011 },
    q: { symbol: 'BTCUSDT' },
  },
  tickEnvelope(1732312346000),
];

function writeSample(file: string, options = {}): void {
  const writer = new CaptureWriter(file, { header: { started: 1732312345000, symbols: ['BTC'], venues: ['binance', 'bybit'] }, ...options });
  for (const e of SAMPLE) writer.write(e);
  writer.close();
}

describe('capture round trip', () => {
  it.each(['capture.jsonl', 'capture.jsonl.gz'])('writes and reads back %s with its header', async (name) => {
    const file = path.join(dir, name);
    writeSample(file);
    const reader = openCapture(file);
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(got).toEqual(SAMPLE);
    expect(reader.stats.header).toMatchObject({ moonstream: 'capture', version: 1, symbols: ['BTC'] });
    expect(reader.stats.envelopes).toBe(4);
    expect(reader.stats.lines).toBe(5);
    expect(reader.stats.malformed).toBe(0);
    expect(reader.stats.tornTail).toBeUndefined();
    expect(reader.stats.bytesRead).toBe(fs.statSync(file).size);
  });

  it('writes the envelope keys in the documented order', () => {
    const file = path.join(dir, 'c.jsonl');
    const writer = new CaptureWriter(file);
    writer.write(SAMPLE[2]!);
    writer.writeRaw(5, 'okx', 'trades', '{"arg":{"channel":"trades"},"data":[]}');
    writer.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '{"t":1732312345300,"v":"binance","c":"rest.openInterest","d":{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011},"q":{"symbol":"BTCUSDT"}}\n' +
        '{"t":5,"v":"okx","c":"trades","d":{"arg":{"channel":"trades"},"data":[]}}\n',
    );
  });

  it('reads a header-less capture', async () => {
    const file = path.join(dir, 'noheader.jsonl');
    fs.writeFileSync(file, SAMPLE.map((e) => JSON.stringify(e)).join('\n') + '\n');
    expect(await readAllEnvelopes(file)).toEqual(SAMPLE);
  });

  it('puts each line on disk as it is written (plain files)', () => {
    const file = path.join(dir, 'live.jsonl');
    const writer = new CaptureWriter(file);
    writer.write(SAMPLE[0]!);
    // not closed: a crash now must not lose the line
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(JSON.stringify(SAMPLE[0]));
    writer.close();
  });

  it('appends gzip members that read back as one stream', async () => {
    const file = path.join(dir, 'multi.jsonl.gz');
    const writer = new CaptureWriter(file, { flushBytes: 1 });
    for (const e of SAMPLE) writer.write(e); // one gzip member per line
    writer.close();
    expect(await readAllEnvelopes(file)).toEqual(SAMPLE);
  });

  it('compresses members off the event loop and keeps their order when a sync close overtakes them', async () => {
    const file = path.join(dir, 'async.jsonl.gz');
    const writer = new CaptureWriter(file, { flushBytes: 1 << 30 });
    writer.write(SAMPLE[0]!);
    const first = writer.flushAsync();
    writer.write(SAMPLE[1]!);
    const second = writer.flushAsync();
    writer.write(SAMPLE[2]!);
    writer.write(SAMPLE[3]!);
    writer.close(); // both async members are still being compressed: close writes them, in order
    await Promise.all([first, second]);
    expect(await readAllEnvelopes(file)).toEqual(SAMPLE);
  });

  it('writes async members in the order they were cut once compressed', async () => {
    const file = path.join(dir, 'async2.jsonl.gz');
    const writer = new CaptureWriter(file, { flushBytes: 1 << 30 });
    const flushes: Promise<void>[] = [];
    for (const e of SAMPLE) {
      writer.write(e);
      flushes.push(writer.flushAsync());
    }
    await Promise.all(flushes);
    expect(writer.stats.bytesWritten).toBe(fs.statSync(file).size);
    writer.close();
    expect(await readAllEnvelopes(file)).toEqual(SAMPLE);
  });
});

describe('a capture that cannot be written', () => {
  it('is a typed error naming the file, not a raw ENOTDIR', () => {
    fs.writeFileSync(path.join(dir, 'plain-file'), 'x');
    const file = path.join(dir, 'plain-file', 'deeper', 'c.jsonl');
    let error: unknown;
    try {
      new CaptureWriter(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MoonstreamError);
    expect((error as MoonstreamError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the capture \\(a parent is not a directory, (ENOTDIR|EEXIST)\\)$`));
  });

  it('is FILE_NOT_FOUND where the file cannot be created (ENOENT)', () => {
    if (!fs.existsSync('/proc/self')) return;
    expect(() => new CaptureWriter('/proc/moonstream-capture.jsonl')).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND', message: '/proc/moonstream-capture.jsonl: cannot write the capture (no such place to create it, ENOENT)' }));
  });
});

describe('malformed input', () => {
  const lines = [
    JSON.stringify(SAMPLE[0]),
    '{"t":1,"v":"binance","c":"forceOrder"', // not JSON
    '{"v":"binance","c":"x","d":{}}', // no t
    '{"t":"soon","v":"binance","c":"x","d":{}}', // t not a number
    '{"t":1,"c":"x","d":{}}', // no v
    '{"t":1,"v":"bybit","d":{}}', // no c
    '{"t":1,"v":"bybit","c":"x"}', // no d
    '',
    JSON.stringify(SAMPLE[1]),
  ];

  it('skips and reports each malformed line with its line number', async () => {
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const seen: MalformedLine[] = [];
    const reader = openCapture(file, { onMalformed: (m) => seen.push(m) });
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(got).toEqual([SAMPLE[0], SAMPLE[1]]);
    expect(seen.map((m) => [m.line, m.reason.split(' (')[0]])).toEqual([
      [2, 'not JSON'],
      [3, 'missing "t"'],
      [4, '"t" is not a number'],
      [5, 'missing "v"'],
      [6, 'missing "c"'],
      [7, 'missing "d"'],
    ]);
    expect(reader.stats.malformed).toBe(6);
    expect(reader.stats.malformedSamples).toHaveLength(6);
  });

  it('stops at the first malformed line in strict mode, naming it', async () => {
    const file = path.join(dir, 'strict.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const error = await readAllEnvelopes(file, { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoonstreamError);
    expect((error as MoonstreamError).code).toBe('CAPTURE_MALFORMED');
    expect((error as Error).message).toMatch(/strict\.jsonl:2: not JSON/);
  });

  it('reports a torn last line without failing, even in strict mode', async () => {
    const file = path.join(dir, 'torn.jsonl');
    const full = JSON.stringify(SAMPLE[1]);
    fs.writeFileSync(file, `${JSON.stringify(SAMPLE[0])}\n${full.slice(0, 25)}`);
    const reader = openCapture(file, { strict: true });
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(got).toEqual([SAMPLE[0]]);
    expect(reader.stats.tornTail).toEqual({ line: 2, reason: expect.stringContaining('last line is incomplete') });
    expect(reader.stats.malformed).toBe(0);
  });

  it('accepts a complete last line without a trailing newline', async () => {
    const file = path.join(dir, 'nonl.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(SAMPLE[0])}\n${JSON.stringify(SAMPLE[1])}`);
    expect(await readAllEnvelopes(file)).toEqual([SAMPLE[0], SAMPLE[1]]);
  });

  it('reports a gzip file cut short as a torn tail and keeps what decoded', async () => {
    const file = path.join(dir, 'cut.jsonl.gz');
    const body = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ...SAMPLE[0], t: i })).join('\n') + '\n';
    const gz = zlib.gzipSync(body);
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const reader = openCapture(file);
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(got.length).toBeGreaterThan(100);
    expect(got.length).toBeLessThan(2000);
    expect(got.every((e, i) => e.t === i)).toBe(true);
    expect(reader.stats.tornTail?.reason).toMatch(/truncated/);
  });

  it('takes the format from the first line that matches one, so a leading garbage line starting with a digit is one malformed line', async () => {
    const file = path.join(dir, 'digit-garbage.jsonl');
    fs.writeFileSync(file, `42 garbage\n${JSON.stringify(SAMPLE[0])}\n${JSON.stringify(SAMPLE[1])}\n`);
    const seen: MalformedLine[] = [];
    const reader = openCapture(file, { onMalformed: (m) => seen.push(m) });
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(got).toEqual([SAMPLE[0], SAMPLE[1]]);
    expect(reader.stats.format).toBe('moonstream');
    expect(reader.stats.malformed).toBe(1);
    expect(seen.map((m) => m.line)).toEqual([1]);
  });

  it('reads an hftbacktest recording whose first lines match no format', async () => {
    const file = path.join(dir, 'garbage-then-hft.txt');
    const frame = '1721347021080832061 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":4984028370881,"s":"BTCUSDT","b":"63943.90","B":"46.371","a":"63944.00","A":"0.095","T":1721347022507,"E":1721347022507}}';
    fs.writeFileSync(file, `[1,2]\n17 {"x":1}\n${frame}\n`);
    const reader = openCapture(file);
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(reader.stats.format).toBe('hftbacktest');
    expect(got.map((e) => e.c)).toEqual(['bookTicker']);
    expect(reader.stats.malformed).toBe(2);
  });

  it('names a missing file and a file that is not gzip', async () => {
    expect(() => openCapture(path.join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl: no such file/);
    const fake = path.join(dir, 'fake.jsonl.gz');
    fs.writeFileSync(fake, 'this is not gzip\n');
    await expect(readAllEnvelopes(fake)).rejects.toThrow(/fake\.jsonl\.gz: not a readable gzip file/);
  });
});

describe('hftbacktest recordings', () => {
  it('turns "<ns> <json>" lines into binance envelopes, REST depth bodies included', async () => {
    const file = path.join(dir, 'btcusdt_20240718.gz');
    const body = [
      '1721347020984480942 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1721347022504,"T":1721347022504,"s":"BTCUSDT","U":4984028367545,"u":4984028370730,"pu":4984028367494,"b":[["63931.10","0.028"]],"a":[["63947.40","0.109"]]}}',
      '1721347021080832061 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":4984028370881,"s":"BTCUSDT","b":"63943.90","B":"46.371","a":"63944.00","A":"0.095","T":1721347022507,"E":1721347022507}}',
      '1721347021500000000 {"lastUpdateId":4984028384061,"E":1721347023000,"T":1721347023000,"bids":[["63943.90","46.371"]],"asks":[["63944.00","0.095"]]}',
    ].join('\n');
    fs.writeFileSync(file, zlib.gzipSync(body + '\n'));
    const reader = openCapture(file);
    const got: Envelope[] = [];
    for await (const batch of reader) got.push(...batch);
    expect(reader.stats.format).toBe('hftbacktest');
    expect(got.map((e) => [e.t, e.v, e.c])).toEqual([
      [1721347020984, 'binance', 'depth@0ms'],
      [1721347021080, 'binance', 'bookTicker'],
      [1721347021500, 'binance', 'rest.depthSnapshot'],
    ]);
    expect(got[2]!.q).toEqual({ symbol: 'BTCUSDT', limit: 1000 });
    expect((got[0]!.d as { stream: string }).stream).toBe('btcusdt@depth@0ms');
  });
});
