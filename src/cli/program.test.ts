import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeSyntheticCapture } from '../testing/synthetic-capture.js';
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
    ['live', ['--symbols', '--venues', '--data-dir', '--record', '--demo', '--endpoint', '--book-ticker', '--host', '--port', '--no-dashboard']],
    ['replay', ['--speed', '--symbols', '--data-dir', '--from', '--to', '--strict', '--json', '--api', '--dashboard']],
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

  it.each([
    ['live', ['--host', '127.0.0.1'], 'the HTTP API is not implemented yet'],
    ['live', ['--port', '8899'], 'the HTTP API is not implemented yet'],
    // a capture that does not exist: refused before anything is read
    ['replay', ['absent.jsonl', '--api'], 'the HTTP API is not implemented yet'],
    ['replay', ['absent.jsonl', '--dashboard'], 'the dashboard is not implemented yet'],
  ])('accepts DESIGN.md\'s %s %j but says in one line that it is not built yet', async (name, args, message) => {
    // live: --demo would start servers, --symbols DOGE would be refused: the flag is refused first
    const { code, out, err } = await run(name, ...args, ...(name === 'live' ? ['--demo', '--symbols', 'DOGE'] : []));
    expect(code).toBe(3);
    expect(err).toBe(`moonstream: ${message}\n`);
    expect(out).toBe('');
  });

  it('accepts live --no-dashboard, which asks for what live does until the dashboard exists', async () => {
    // refused for the symbol, not for the flag: nothing was started
    const { code, err } = await run('live', '--no-dashboard', '--demo', '--symbols', 'DOGE');
    expect(code).toBe(2);
    expect(err).toMatch(/^moonstream: no engine configuration for DOGE/);
  });

  it('marks the flags of parts not built yet in --help', async () => {
    // help wraps long lines: compare with the whitespace collapsed
    const live = (await run('live', '--help')).out.replace(/\s+/g, ' ');
    for (const flag of ['--host <host>', '--port <port>']) expect(live).toMatch(new RegExp(`${flag} [^(]*\\(not built yet\\)`));
    const replay = (await run('replay', '--help')).out.replace(/\s+/g, ' ');
    for (const flag of ['--api', '--dashboard']) expect(replay).toMatch(new RegExp(`${flag} [^(]*\\(not built yet\\)`));
  });

  it('offers --book-ticker on live, off by default, and hands it to the live runner', async () => {
    const { liveCommand, liveRunnerFlags } = await import('../../commands/live.js');
    const help = (await run('live', '--help')).out.replace(/\s+/g, ' ');
    expect(help).toContain("--book-ticker also subscribe Binance's bookTicker stream (off by default: ~200 msg/s per symbol)");
    const parsed = (argv: string[]) => {
      const command = liveCommand().exitOverride().action(() => {});
      command.parse(argv, { from: 'user' });
      return liveRunnerFlags(command.opts());
    };
    expect(parsed(['--book-ticker']).bookTicker).toBe(true);
    expect(parsed([]).bookTicker).toBe(false);
  });

  it('refuses --from after --to with exit code 2, naming both', async () => {
    const { code, err } = await run('replay', 'absent.jsonl', '--from', '2026-11-23T13:00Z', '--to', '2026-11-23T12:00Z');
    expect(code).toBe(2);
    expect(err).toBe('moonstream: --from 2026-11-23T13:00:00.000Z is after --to 2026-11-23T12:00:00.000Z: nothing to replay\n');
  });

  it('says a --data-dir that is a regular file is not a directory, for replay as for inspect and audit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-cli-'));
    try {
      const afile = path.join(dir, 'afile');
      fs.writeFileSync(afile, '');
      const capture = path.join(dir, 'c.jsonl');
      writeSyntheticCapture(capture, 1);
      for (const args of [['replay', capture], ['inspect', 'zones'], ['audit']]) {
        const { code, err } = await run(...args, '--data-dir', afile);
        expect(code, args.join(' ')).toBe(1);
        expect(err).toBe(`moonstream: ${afile}: not a directory\n`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
