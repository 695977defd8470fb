import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../version.js';
import { main } from './program.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'moonstream', ...args], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

const SUBCOMMANDS = ['live', 'replay', 'audit', 'inspect', 'simulate'];

describe('moonstream CLI', () => {
  it('lists the five subcommands in --help', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    for (const name of SUBCOMMANDS) expect(out).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it.each([
    ['live', ['--symbols', '--venues', '--data-dir', '--record', '--demo', '--endpoint']],
    ['replay', ['--speed', '--symbols', '--data-dir', '--from', '--to', '--strict', '--json']],
    ['audit', ['--symbol', '--data-dir', '--since', '--format']],
    ['inspect', ['--symbol', '--data-dir', '--json']],
    ['simulate', ['--minutes', '--seed', '--out', '--symbols', '--venues', '--leverage-mix']],
  ])('describes the flags of %s', async (name, flags) => {
    const { code, out } = await run(name, '--help');
    expect(code).toBe(0);
    for (const flag of flags) expect(out).toContain(flag);
  });

  it('rejects an unknown command with the usage and exit code 2', async () => {
    const { code, err } = await run('frobnicate');
    expect(code).toBe(2);
    expect(err).toMatch(/unknown command 'frobnicate'/);
    expect(err).toContain('Usage: moonstream');
  });

  it('rejects a bad flag value with a clear message, the usage and exit code 2', async () => {
    const { code, err } = await run('live', '--venues', 'binance,kraken');
    expect(code).toBe(2);
    expect(err).toContain('unknown venue "kraken"');
    expect(err).toContain('Usage: moonstream live');
  });

  it('offers no API or dashboard flags before those exist', async () => {
    const { out } = await run('live', '--help');
    for (const flag of ['--host', '--port', '--no-dashboard']) expect(out).not.toContain(flag);
  });

  it('rejects a bad --endpoint with the usage and exit code 2', async () => {
    const { code, err } = await run('live', '--endpoint', 'binance.market=https://fstream.binance.com/market');
    expect(code).toBe(2);
    expect(err).toContain('binance.market: "https://fstream.binance.com/market" must be a ws:// or wss:// URL');
    expect(err).toContain('Usage: moonstream live');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const { code, err } = await run('replay', 'x.jsonl', '--sped', '2');
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option '--sped'/);
  });

  it('prints the version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out.trim()).toBe(VERSION);
  });

  it('keeps the version in step with package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(VERSION);
  });
});

describe('the built binary', () => {
  const bin = path.join(import.meta.dirname, '../../dist/bin/moonstream.js');
  const exec = promisify(execFile);

  it('answers --help with the subcommands and exit code 0', async () => {
    const { stdout } = await exec(process.execPath, [bin, '--help']);
    for (const name of SUBCOMMANDS) expect(stdout).toContain(name);
  });

  it('exits 2 on a bad flag, with no stack trace', async () => {
    const error = (await exec(process.execPath, [bin, 'inspect', 'bogus']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("value 'bogus' is invalid for argument 'what'");
    expect(error.stderr).toContain('Usage: moonstream inspect');
    expect(error.stderr).not.toMatch(/\n\s+at /);
  });
});
