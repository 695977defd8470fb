import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/program.js';
import type { SimTruth } from '../src/sim/truth.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'moonstream', 'simulate', ...args], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-simulate-cmd-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moonstream simulate', () => {
  it('writes the capture and its truth and prints a one-line summary', async () => {
    const out = path.join(dir, 'a.jsonl');
    const { code, out: stdout, err } = await run('--minutes', '2', '--seed', '4', '--out', out, '--symbols', 'BTC,ETH', '--venues', 'binance,okx');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/^simulated 2 min, seed 4: [\d,]+ messages \(binance [\d,]+: aggTrade [\d,]+, depth@100ms [\d,]+, /);
    expect(stdout).toMatch(/okx [\d,]+: books [\d,]+/);
    expect(stdout).toMatch(/[\d,]+ liquidations \(BTC [\d,]+, ETH [\d,]+; [\d,]+ published by the venue feeds\)/);
    expect(stdout).toContain(`→ ${out}, truth `);
    expect(stdout).not.toContain('bybit');
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ moonstream: 'capture', version: 1, symbols: ['BTC', 'ETH'], venues: ['binance', 'okx'], seed: 4, minutes: 2 });
    const truth = JSON.parse(fs.readFileSync(`${out}.truth.json`, 'utf8')) as SimTruth;
    expect(truth.symbols).toEqual(['BTC', 'ETH']);
    expect(truth.venues).toEqual(['binance', 'okx']);
    expect(Object.keys(truth.venueShares)).toEqual(['binance', 'okx']);
  });

  it('takes a leverage mix, renormalized, and keeps the default for symbols it does not name', async () => {
    const out = path.join(dir, 'mix.jsonl.gz');
    const { code } = await run('--minutes', '1', '--out', out, '--leverage-mix', '{"BTC":{"20":1,"50x":3}}');
    expect(code).toBe(0);
    const truth = JSON.parse(fs.readFileSync(`${out}.truth.json`, 'utf8')) as SimTruth;
    expect(truth.leverageMix.BTC).toEqual({ '5': 0, '10': 0, '20': 0.25, '25': 0, '50': 0.75, '75': 0, '100': 0, '125': 0, '150': 0, '200': 0, '250': 0 });
    expect(truth.leverageMix.SOL!['50']).toBeCloseTo(0.27, 6);
  });

  it.each([
    ['{"BTC":{"30":1}}', /tier "30" is not in the BTC ladder \(5, 10, 20, 25, 50, 75, 100, 125, 150, 200, 250\)/],
    ['{"BTC":{"20":-1}}', /weight of tier 20 must be a number ≥ 0, got -1/],
    ['{"BTC":{"20":0}}', /weights sum to 0/],
    ['{"XRP":{"20":1}}', /names XRP, which is not simulated/],
    ['{"BTC":[0.5]}', /must be an object of tier → weight/],
    ['{BTC:1}', /--leverage-mix is not valid JSON/],
  ])('refuses the leverage mix %s with a usage error', async (mix, message) => {
    const out = path.join(dir, 'bad.jsonl');
    const { code, err } = await run('--minutes', '1', '--out', out, '--leverage-mix', mix);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('starts the simulated clock at --start and refuses a start that is not a whole second', async () => {
    const out = path.join(dir, 'start.jsonl');
    expect((await run('--minutes', '1', '--out', out, '--symbols', 'SOL', '--start', '2026-03-01T12:00:00Z')).code).toBe(0);
    const truth = JSON.parse(fs.readFileSync(`${out}.truth.json`, 'utf8')) as SimTruth;
    expect(truth.start).toBe(Date.UTC(2026, 2, 1, 12));
    expect(truth.end).toBe(Date.UTC(2026, 2, 1, 12, 1));
    const bad = await run('--minutes', '1', '--out', out, '--start', '1767571200500');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--start must be a whole second/);
  });

  it('refuses symbols it has no market for and profiles it does not know', async () => {
    const bad = await run('--minutes', '1', '--out', path.join(dir, 'x.jsonl'), '--symbols', 'BTC,DOGE');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/simulate knows BTC, ETH, SOL, not DOGE/);
    const profile = await run('--minutes', '1', '--out', path.join(dir, 'x.jsonl'), '--profile', 'turbo');
    expect(profile.code).toBe(2);
    expect(profile.err).toMatch(/Allowed choices are full, standard, light/);
  });
});
