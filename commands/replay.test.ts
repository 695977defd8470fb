import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticCapture } from '../src/testing/synthetic-capture.js';

const bin = path.join(import.meta.dirname, '../dist/bin/moonstream.js');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-replay-cmd-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moonstream replay (the built binary)', () => {
  it('stops on SIGINT: flushes the data dir, prints the partial summary marked interrupted, exit code 130', async () => {
    const capture = path.join(dir, 'c.jsonl');
    // 60 minutes at 50× pace: 72 s, far longer than the test waits
    writeSyntheticCapture(capture, 60);
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, [bin, 'replay', capture, '--speed', '50', '--symbols', 'BTC', '--data-dir', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    // the data dir appears at the first minute's writes (about 1.2 s in), after the signal handlers are installed
    for (let i = 0; i < 200 && !fs.existsSync(dataDir); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fs.existsSync(dataDir)).toBe(true);
    child.kill('SIGINT');
    const code = await exited;
    clearTimeout(timeout);
    expect(stderr).toContain('moonstream replay: SIGINT: stopping after the current batch and flushing the data dir');
    expect(stderr).toContain('moonstream: replay interrupted by SIGINT: the summary covers what was replayed\n');
    expect(code).toBe(130);
    const summary = JSON.parse(stdout) as { interrupted: boolean; envelopes: number; lastEventTime: number; firstEventTime: number };
    expect(summary.interrupted).toBe(true);
    expect(summary.envelopes).toBeGreaterThan(0);
    // stopped well before the capture's 60 minutes
    expect(summary.lastEventTime - summary.firstEventTime).toBeLessThan(20 * 60_000);
    // what was replayed is on disk: the calibrator log's minutes reach past the first
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'calibrator-BTC.jsonl'), 'utf8').trim().split('\n');
    const minutes = log.map((l) => JSON.parse(l) as { type: string; ts: number }).filter((l) => l.type === 'minute');
    expect(minutes.at(-1)!.ts).toBeGreaterThanOrEqual(summary.lastEventTime - 2 * 60_000);
  });
});
