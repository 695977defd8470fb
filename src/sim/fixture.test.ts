/**
 * The shipped simulated capture, fixtures/sim-2h.jsonl.gz, and its truth file. They are
 * made by exactly this command (run from the repository root after `npm run build`):
 *
 *   node dist/bin/moonstream.js simulate --minutes 120 --seed 1 --profile light --out fixtures/sim-2h.jsonl.gz
 *
 * The first test regenerates them and compares: a change to the simulator that changes
 * its output must regenerate the fixture (and say so in the commit).
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllEnvelopes } from '../capture/reader.js';
import type { Envelope } from '../capture/envelope.js';
import { main } from '../cli/program.js';
import type { NormalizedEvent } from '../events.js';
import { createNormalizers } from '../venues/index.js';
import type { SimTruth } from './truth.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'fixtures/sim-2h.jsonl.gz');
const FIXTURE_ARGS = ['simulate', '--minutes', '120', '--seed', '1', '--profile', 'light'] as const;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let dir: string;
let envelopes: Envelope[];
let truth: SimTruth;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-sim-fixture-'));
  envelopes = await readAllEnvelopes(FIXTURE);
  truth = JSON.parse(fs.readFileSync(`${FIXTURE}.truth.json`, 'utf8')) as SimTruth;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('fixtures/sim-2h.jsonl.gz', () => {
  it('is what its command writes, byte for byte (capture content and truth)', async () => {
    const out = path.join(dir, 'sim-2h.jsonl.gz');
    const code = await main(['node', 'moonstream', ...FIXTURE_ARGS, '--out', out], { stdout: () => {}, stderr: () => {} });
    expect(code).toBe(0);
    // the uncompressed content: the gzip bytes may differ with another zlib build
    expect(sha256(zlib.gunzipSync(fs.readFileSync(out)))).toBe(sha256(zlib.gunzipSync(fs.readFileSync(FIXTURE))));
    expect(sha256(fs.readFileSync(`${out}.truth.json`))).toBe(sha256(fs.readFileSync(`${FIXTURE}.truth.json`)));
  });

  it('is a few MB: two simulated hours of BTC, ETH and SOL on the three venues, with hundreds of liquidations', () => {
    expect(fs.statSync(FIXTURE).size).toBeLessThan(5_000_000);
    expect(truth.minutes).toBe(120);
    expect(truth.symbols).toEqual(['BTC', 'ETH', 'SOL']);
    expect(truth.venues).toEqual(['binance', 'bybit', 'okx']);
    for (const symbol of truth.symbols) expect(truth.liquidations.filter((l) => l.symbol === symbol).length).toBeGreaterThan(200);
    expect(new Set(envelopes.map((e) => e.v))).toEqual(new Set(['binance', 'bybit', 'okx', 'moonstream']));
  });

  it('normalizes with zero drops into the truth’s published liquidations', () => {
    const normalizers = createNormalizers();
    const events: NormalizedEvent[] = [];
    for (const e of envelopes) normalizers.normalize(e, events);
    expect(normalizers.snapshot().dropped).toEqual({});
    expect(events.filter((e) => e.type === 'liquidation')).toHaveLength(truth.liquidations.filter((l) => l.published).length);
  });
});
