import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MoonstreamError } from '../errors.js';
import { runSimulation, simulateToFile } from './run.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-sim-abort-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('interrupting a simulation', () => {
  it('stops at the next simulated minute once its signal aborts, emitting nothing more', async () => {
    const controller = new AbortController();
    let frames = 0;
    let framesAtAbort = 0;
    const run = runSimulation(
      {
        minutes: 600,
        symbols: ['SOL'],
        venues: ['binance'],
        profile: 'light',
        signal: controller.signal,
        onProgress: (p) => {
          if (p.minutesDone === 2) {
            controller.abort();
            framesAtAbort = frames;
          }
        },
      },
      () => frames++,
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoonstreamError);
    expect((error as MoonstreamError).code).toBe('INTERRUPTED');
    expect((error as MoonstreamError).exitCode).toBe(130);
    expect(framesAtAbort).toBeGreaterThan(0);
    expect(frames).toBe(framesAtAbort);
  });

  it('does not start when the signal has already aborted', async () => {
    let frames = 0;
    await expect(runSimulation({ minutes: 1, signal: AbortSignal.abort() }, () => frames++)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(frames).toBe(0);
  });

  it('removes the partial capture and any truth beside it, naming the capture', async () => {
    const out = path.join(dir, 'partial.jsonl.gz');
    fs.writeFileSync(`${out}.truth.json`, '{"from":"an earlier run"}');
    const controller = new AbortController();
    const error = await simulateToFile({
      minutes: 600,
      out,
      symbols: ['BTC'],
      profile: 'light',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.minutesDone === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoonstreamError);
    expect((error as MoonstreamError).code).toBe('INTERRUPTED');
    expect((error as Error).message).toBe(`interrupted: removed partial ${out}`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
