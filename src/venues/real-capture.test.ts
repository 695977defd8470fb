/**
 * The real Binance capture beside the project (../shared/data, see its README): every
 * envelope normalizes with zero drops. Skips when the directory is absent.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../capture/reader.js';
import type { DepthDiff, EventType, NormalizedEvent } from '../events.js';
import { createNormalizers } from './index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CAPTURE_DIR = path.resolve(REPO, '..', 'shared', 'data', 'binance-usdm-btcusdt-2024-07-18');
const FILES = ['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((name) => path.join(CAPTURE_DIR, name));

describe.skipIf(!FILES.every((file) => fs.existsSync(file)))('real Binance capture (../shared/data)', () => {
  it('normalizes every envelope of both files with zero drops, and the depth pu chain holds across them', async () => {
    const registry = createNormalizers();
    const counts: Partial<Record<EventType, number>> = {};
    let envelopes = 0;
    let malformed = 0;
    let previous: DepthDiff | undefined;
    let chainBreaks = 0;
    const out: NormalizedEvent[] = [];
    for (const file of FILES) {
      const reader = openCapture(file);
      for await (const batch of reader) {
        for (const envelope of batch) {
          out.length = 0;
          registry.normalize(envelope, out);
          envelopes++;
          for (const event of out) {
            counts[event.type] = (counts[event.type] ?? 0) + 1;
            if (event.type !== 'depthDiff') continue;
            if (previous !== undefined && event.prevLastId !== previous.lastId) chainBreaks++;
            previous = event;
          }
        }
      }
      malformed += reader.stats.malformed;
    }
    const { dropped, control } = registry.snapshot();
    expect(malformed).toBe(0);
    expect(dropped).toEqual({});
    expect(control).toEqual({});
    // README: 11,414 + 60,570 lines; depth 3,326 + 5,696 (+ one REST snapshot); trades 974 + 9,727
    expect(envelopes).toBe(11_414 + 60_570);
    expect(counts).toEqual({ depthDiff: 3_326 + 5_696, depthSnapshot: 1, trade: 974 + 9_727, bookTicker: envelopes - 9_022 - 1 - 10_701 });
    expect(chainBreaks).toBe(0);
  });
});
