import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllEnvelopes } from '../src/capture/reader.js';

const bin = path.join(import.meta.dirname, '../dist/bin/moonstream.js');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-live-cmd-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moonstream live (the built binary)', () => {
  it('runs --demo offline, stops on SIGINT with exit code 0, and closes the recording', async () => {
    const record = path.join(dir, 'demo.jsonl.gz');
    const child = spawn(process.execPath, [bin, 'live', '--demo', '--symbols', 'BTC', '--venues', 'okx,bybit', '--data-dir', path.join(dir, 'data'), '--record', record], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // the first status lines come after 5 s
        if (/ okx {4}1\/1 open · .* books 1\/1 synced/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await started;
    child.kill('SIGINT');
    const code = await exited;
    clearTimeout(timeout);
    expect(stderr).toMatch(/moonstream live --demo: simulated market \(seed \d+\) served on 127\.0\.0\.1 ports okx \d+, bybit \d+/);
    expect(stderr).toMatch(/ bybit  1\/1 open · [\d.]+ msg\/s · last [\d.]+ s ago · 0 reconnects · OI 1\/1 · books 1\/1 synced/);
    expect(stderr).toContain('SIGINT: stopping');
    expect(stderr).toMatch(/stopped after \d+ s: [\d,]+ frames/);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const envelopes = await readAllEnvelopes(record);
    expect(envelopes.some((e) => e.v === 'okx' && e.c === 'control')).toBe(true);
  });

  it('never overwrites an existing recording', async () => {
    const existing = path.join(dir, 'kept.jsonl');
    fs.writeFileSync(existing, 'precious\n');
    const child = spawn(process.execPath, [bin, 'live', '--demo', '--record', existing, '--data-dir', path.join(dir, 'y')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('the file exists; remove it or choose another name');
    expect(fs.readFileSync(existing, 'utf8')).toBe('precious\n');
  });

  it('refuses a symbol the engines have no configuration for, before connecting anywhere', async () => {
    const child = spawn(process.execPath, [bin, 'live', '--demo', '--symbols', 'BTC,DOGE', '--data-dir', path.join(dir, 'x')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toBe('moonstream: no engine configuration for DOGE (configured: BTC, ETH, SOL)\n');
  });

  it('refuses a --data-dir that is a regular file before starting the demo servers', async () => {
    const afile = path.join(dir, 'afile');
    fs.writeFileSync(afile, '');
    const child = spawn(process.execPath, [bin, 'live', '--demo', '--symbols', 'BTC', '--data-dir', afile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timeout);
    expect(code).toBe(1);
    // one line, and no "served on 127.0.0.1" before it
    expect(stderr).toBe(`moonstream: ${afile}: not a directory\n`);
  });
});
