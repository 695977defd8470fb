import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLiveHarness, type LiveHarness } from './test-harness.js';

let h: LiveHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface MinuteLine {
  readonly type: string;
  readonly minute_start_ms: number;
  readonly oi_base: number | null;
  readonly oi_delta_base: number | null;
  readonly oi_venues_used: readonly string[];
  readonly oi_venues_left_out: readonly string[];
}

describe('open-interest polls that fail', () => {
  it('leave the venue out of ΔOI while it fails and when it returns, so its recovery fakes no opening', async () => {
    h = await startLiveHarness({ symbols: ['BTC'] });
    const binance = h.venues.binance!;
    await h.run(150_000, 500);
    // Binance's open interest comes from REST only (Bybit and OKX also stream theirs)
    binance.failHttp({ path: '/fapi/v1/openInterest', status: 500, times: 1_000 });
    await h.run(180_000, 500);
    const failing = h.live.status();
    const poll = failing.rest.polls.find((p) => p.venue === 'binance' && p.name === 'openInterest')!;
    expect(poll.consecutiveFailures).toBeGreaterThanOrEqual(10);
    expect(poll.lastFailure?.reason).toBe('server');
    binance.clearHttpFaults();
    await h.run(180_000, 500);
    await h.live.stop();

    const lines = fs
      .readFileSync(path.join(h.dataDir, 'logs', 'calibrator-BTC.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as MinuteLine)
      .filter((l) => l.type === 'minute' && l.oi_delta_base !== null);
    expect(lines.length).toBeGreaterThanOrEqual(7);
    const binanceOi = h.venues.market.openInterest('binance', 'BTC');
    const totalOi = lines.at(-1)!.oi_base!;
    // what the PoC would have shown: a wipe and an opening the size of Binance's OI
    expect(binanceOi / totalOi).toBeGreaterThan(0.3);
    for (const line of lines) {
      expect(Math.abs(line.oi_delta_base!), `ΔOI of the minute from ${new Date(line.minute_start_ms).toISOString()}`).toBeLessThan(0.01 * binanceOi);
    }
    // Binance was left out explicitly when it stopped answering and when it came back, and used otherwise
    const leftOut = lines.filter((l) => l.oi_venues_left_out.includes('binance'));
    expect(leftOut.length).toBeGreaterThanOrEqual(2);
    const without = lines.filter((l) => !l.oi_venues_used.includes('binance'));
    expect(without.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)!.oi_venues_used).toEqual(['binance', 'bybit', 'okx']);
  });
});
