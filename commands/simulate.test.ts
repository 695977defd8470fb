import { spawn } from 'node:child_process';
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

  it.each(['x.json', 'x.jsonl.zip', 'x.gz', 'x'])('refuses --out %s, which is not .jsonl or .jsonl.gz, with a usage error', async (name) => {
    const out = path.join(dir, name);
    const { code, err } = await run('--minutes', '1', '--out', out);
    expect(code).toBe(2);
    expect(err).toMatch(/expected a file ending in \.jsonl or \.jsonl\.gz/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    ['/proc/moonstream-x.jsonl', /^moonstream: \/proc\/moonstream-x\.jsonl: cannot write the capture \(no such place to create it, ENOENT\)\n$/],
    ['<dir>/a-file/sub/x.jsonl', /^moonstream: .*a-file\/sub\/x\.jsonl: cannot write the capture \(a parent is not a directory, (ENOTDIR|EEXIST)\)\n$/],
  ])('names an unwritable --out %s in one line, exit 1', async (target, message) => {
    if (target.startsWith('/proc') && !fs.existsSync('/proc/self')) return;
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a directory');
    const { code, err } = await run('--minutes', '1', '--out', target.replace('<dir>', dir));
    expect(err).toMatch(message);
    expect(code).toBe(1);
  });

  it('--help states the profiles’ cadence trade-off, and that mixes and shares are rescaled', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    const help = out.replace(/\s+/g, ' ');
    expect(help).toContain('full = the venues’ own cadences (books every 100 ms; ~3 min CPU');
    expect(help).toContain('standard = books every ~2 s, channel still named depth@100ms as the stream it imitates');
    expect(help).toContain('weights are rescaled to sum to 1 per symbol');
    expect(help).toMatch(/--venue-shares <list> share of positions per venue, e\.g\. binance=0\.5,bybit=0\.3,okx=0\.2; rescaled to sum to 1/);
  });

  it('takes --venue-shares, rescaled to sum to 1, giving unnamed venues none', async () => {
    const out = path.join(dir, 'shares.jsonl');
    const { code, err } = await run('--minutes', '3', '--seed', '5', '--out', out, '--symbols', 'BTC', '--venue-shares', 'binance=3,okx=1');
    expect(err).toBe('');
    expect(code).toBe(0);
    const truth = JSON.parse(fs.readFileSync(`${out}.truth.json`, 'utf8')) as SimTruth;
    expect(truth.venueShares).toEqual({ binance: 0.75, bybit: 0, okx: 0.25 });
    expect(truth.liquidations.some((l) => l.venue === 'bybit')).toBe(false);
  });

  it.each([
    ['binance=0.5,kraken=0.5', /unknown venue "kraken" \(known: binance, bybit, okx\)/],
    ['binance=-1,okx=1', /share of binance must be a number ≥ 0, got "-1"/],
    ['binance=0,okx=0', /shares sum to 0/],
    ['binance', /"binance" is not venue=share/],
    ['binance=1,binance=2', /names binance twice/],
  ])('refuses --venue-shares %s with a usage error', async (shares, message) => {
    const out = path.join(dir, 'bad-shares.jsonl');
    const { code, err } = await run('--minutes', '1', '--out', out, '--venue-shares', shares);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses --venue-shares naming a venue that is not simulated', async () => {
    const { code, err } = await run('--minutes', '1', '--out', path.join(dir, 'v.jsonl'), '--venues', 'binance,okx', '--venue-shares', 'bybit=1');
    expect(code).toBe(2);
    expect(err).toMatch(/--venue-shares names bybit, which is not simulated \(venues: binance, okx\)/);
  });
});

describe('the built binary on Ctrl-C', () => {
  const bin = path.join(import.meta.dirname, '../dist/bin/moonstream.js');

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s stops, removes the partial capture and its stale truth, says so in one line and exits 130', async (signal) => {
    const out = path.join(dir, `interrupted-${signal}.jsonl`);
    fs.writeFileSync(`${out}.truth.json`, '{"from":"an earlier run"}');
    const child = spawn(process.execPath, [bin, 'simulate', '--minutes', '6000', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // wait (bounded) until the run has written its header and some simulated minutes
      for (let i = 0; i < 200 && !(fs.existsSync(out) && fs.statSync(out).size > 200_000); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.statSync(out).size).toBeGreaterThan(200_000);
      child.kill(signal);
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toBe(`moonstream: interrupted: removed partial ${out}\n`);
    expect(stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(`${out}.truth.json`)).toBe(false);
  });
});
