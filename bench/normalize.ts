/**
 * `npm run bench:normalize`: venue normalizer throughput against the physical wall,
 * `JSON.parse` of the same frames (DESIGN.md section 8: normalizers alone ≥ 85 % of
 * JSON.parse alone, i.e. normalize msg/s ÷ parse msg/s ≥ 0.85).
 *
 * 1. Fixtures: per channel, the fixture messages that yield events (fixtures/venues),
 *    cycled into a batch of distinct parsed frames; normalize the parsed frames, parse
 *    the frames' JSON text, compare.
 * 2. Real capture: the Binance capture in ../shared/data when present (or the capture
 *    files given as arguments): every line's JSON text parsed vs its envelope normalized,
 *    per channel and in total.
 *
 * Each measurement alternates parse and normalize rounds and keeps the best of each,
 * because the machines are shared and absolute times drift.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import type { Envelope } from '../src/capture/envelope.js';
import { openCapture } from '../src/capture/reader.js';
import type { NormalizedEvent } from '../src/events.js';
import { listVenueFixtures, readVenueFixture } from '../src/venues/fixtures.js';
import { createNormalizers, type NormalizersOptions } from '../src/venues/index.js';

const BUDGET = 0.85;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_CAPTURE = ['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((name) =>
  path.resolve(REPO, '..', 'shared', 'data', 'binance-usdm-btcusdt-2024-07-18', name),
);
/** Each fixture channel's batch: this many distinct frames. */
const BATCH = 4000;
/** Minimum time per measured pass group, and the rounds whose best is kept. */
const MIN_MS = 60;
const ROUNDS = 5;
/** The bench replays every OKX liquidation as new: no stale filter (fixtures have old `ts`). */
const OPTIONS: NormalizersOptions = { okx: { backlogMaxAgeMs: Number.POSITIVE_INFINITY } };

/** A sink the optimizer cannot see through. */
let sink = 0;

interface Sample {
  readonly texts: string[];
  readonly envelopes: Envelope[];
}

interface Result {
  readonly name: string;
  readonly messages: number;
  readonly events: number;
  /** Rows counted and skipped (e.g. the inverse swap inside an OKX multi-instrument push). */
  readonly dropped: number;
  readonly parsePerSec: number;
  readonly normalizePerSec: number;
}

function parsePass(texts: readonly string[]): void {
  for (let i = 0; i < texts.length; i++) {
    const value: unknown = JSON.parse(texts[i]!);
    if (value !== null) sink++;
  }
}

/** One pass through a fresh registry (normalizers are stateful: OKX de-duplication, Bybit tickers). */
function normalizePass(envelopes: readonly Envelope[]): { events: number; dropped: number } {
  const registry = createNormalizers(OPTIONS);
  const out: NormalizedEvent[] = [];
  let events = 0;
  for (let i = 0; i < envelopes.length; i++) {
    registry.normalize(envelopes[i]!, out);
    events += out.length;
    out.length = 0;
  }
  return { events, dropped: registry.counters.totalDropped };
}

/** Messages per second of one timed group of passes, at least MIN_MS long. */
function timed(count: number, pass: () => void): number {
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    pass();
    passes++;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (passes * count) / (elapsed / 1000);
}

/**
 * Parse and normalize rates of one sample. Rounds alternate parse and normalize so both
 * sides of the ratio see the same machine load; the best round of each is kept.
 */
function measure(name: string, sample: Sample): Result {
  const { events, dropped } = normalizePass(sample.envelopes); // warm-up and counts
  parsePass(sample.texts);
  let parsePerSec = 0;
  let normalizePerSec = 0;
  for (let round = 0; round < ROUNDS; round++) {
    parsePerSec = Math.max(parsePerSec, timed(sample.texts.length, () => parsePass(sample.texts)));
    normalizePerSec = Math.max(normalizePerSec, timed(sample.envelopes.length, () => void normalizePass(sample.envelopes)));
  }
  return { name, messages: sample.envelopes.length, events, dropped, parsePerSec, normalizePerSec };
}

/** Distinct parsed copies of the fixture frames of one channel, cycled to BATCH frames. */
function fixtureSample(envelopes: readonly Envelope[]): Sample {
  const texts: string[] = [];
  const copies: Envelope[] = [];
  for (let i = 0; i < BATCH; i++) {
    const envelope = envelopes[i % envelopes.length]!;
    let text = JSON.stringify(envelope.d);
    // OKX liquidations are de-duplicated: give every copy its own detail times
    if (envelope.v === 'okx' && envelope.c === 'liquidation-orders') text = text.replace(/"ts":"(\d+)"/g, (_, ts: string) => `"ts":"${Number(ts) + i}"`);
    texts.push(text);
    copies.push({ ...envelope, d: JSON.parse(text) });
  }
  return { texts, envelopes: copies };
}

function fixtureSamples(): Map<string, Envelope[]> {
  const byChannel = new Map<string, Envelope[]>();
  for (const name of listVenueFixtures()) {
    for (const envelope of readVenueFixture(name).envelopes) {
      const registry = createNormalizers(OPTIONS);
      const out: NormalizedEvent[] = [];
      registry.normalize(envelope, out);
      if (out.length === 0) continue; // control frames and counted drops are not the hot path
      const key = `${envelope.v}.${envelope.c}`;
      const list = byChannel.get(key) ?? [];
      list.push(envelope);
      byChannel.set(key, list);
    }
  }
  return byChannel;
}

/** The same capture twice: envelopes through the reader, and each line's JSON text. */
async function captureSample(files: readonly string[]): Promise<Sample> {
  const envelopes: Envelope[] = [];
  for (const file of files) for await (const batch of openCapture(file)) for (const e of batch) envelopes.push(e);
  const texts: string[] = [];
  for (const file of files) {
    const raw = fs.readFileSync(file);
    const text = (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const first = line.charCodeAt(0);
      if (first >= 48 && first <= 57) texts.push(line.slice(line.indexOf(' ') + 1)); // `<ns> <json>`
      else if (!line.includes('"moonstream":"capture"')) texts.push(line);
    }
  }
  if (texts.length !== envelopes.length) throw new Error(`capture: ${texts.length} lines but ${envelopes.length} envelopes`);
  return { texts, envelopes };
}

function splitByChannel(sample: Sample): Map<string, Sample> {
  const out = new Map<string, Sample>();
  sample.envelopes.forEach((envelope, i) => {
    const key = `${envelope.v}.${envelope.c}`;
    let group = out.get(key);
    if (group === undefined) out.set(key, (group = { texts: [], envelopes: [] }));
    group.texts.push(sample.texts[i]!);
    group.envelopes.push(envelope);
  });
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function print(title: string, results: readonly Result[]): void {
  console.log(`\n${title}`);
  const header = ['channel', 'messages', 'events', 'dropped', 'JSON.parse msg/s', 'normalize msg/s', 'normalize events/s', 'ratio', `budget ≥ ${BUDGET}`];
  const rows = results.map((r) => [
    r.name,
    fmt(r.messages),
    fmt(r.events),
    fmt(r.dropped),
    fmt(r.parsePerSec),
    fmt(r.normalizePerSec),
    fmt((r.normalizePerSec * r.events) / r.messages),
    (r.normalizePerSec / r.parsePerSec).toFixed(2),
    r.normalizePerSec / r.parsePerSec >= BUDGET ? 'ok' : 'OVER BUDGET',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function memory(): string {
  const m = process.memoryUsage();
  return `heap used ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB`;
}

async function main(): Promise<void> {
  console.log(`bench:normalize — node ${process.version}; ratio = normalize msg/s ÷ JSON.parse msg/s of the same frames (best of ${ROUNDS})`);

  const fixtures = fixtureSamples();
  const perChannel: Result[] = [];
  const mixTexts: string[] = [];
  const mixEnvelopes: Envelope[] = [];
  for (const [name, envelopes] of [...fixtures].sort(([a], [b]) => a.localeCompare(b))) {
    const sample = fixtureSample(envelopes);
    perChannel.push(measure(name, sample));
    for (let i = 0; i < sample.envelopes.length; i += 8) {
      mixTexts.push(sample.texts[i]!);
      mixEnvelopes.push(sample.envelopes[i]!);
    }
  }
  perChannel.push(measure('all channels (equal mix)', { texts: mixTexts, envelopes: mixEnvelopes }));
  print(`Fixtures (fixtures/venues, ${BATCH} distinct frames per channel)`, perChannel);
  console.log(memory());

  const args = process.argv.slice(2);
  const files = args.length > 0 ? args : DEFAULT_CAPTURE;
  if (!files.every((file) => fs.existsSync(file))) {
    console.log(`\nReal capture: skipped (${files.find((file) => !fs.existsSync(file))} not found)`);
    return;
  }
  const capture = await captureSample(files);
  const results: Result[] = [];
  for (const [name, sample] of splitByChannel(capture)) if (sample.envelopes.length >= 100) results.push(measure(name, sample));
  results.push(measure('whole capture', capture));
  print(`Real capture (${files.map((file) => path.basename(file)).join(' + ')})`, results);
  console.log(memory());
  if (sink === -1) console.log('');
}

await main();
