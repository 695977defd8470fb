import { describe, expect, it } from 'vitest';
import { parseLogLine } from './records.js';

describe('calibrator log lines', () => {
  it('reads an event line: both prices, venue, attribution and flags', () => {
    const line = JSON.stringify({
      type: 'event', ts: 1_767_571_226_904, minute_key: 29_459_520, symbol: 'BTC', venue: 'binance', side: 'long', event_price: 79_184.05, qty: 0.083,
      notional: 6572.28, trigger_price: 79_384.97, trigger_source: 'mark', fallback: false, attributed_tier: 250, is_hit: true, miss_usd: 13.6, miss_pct: 0.00017,
      price_insane: false, tier_disabled: false,
    });
    expect(parseLogLine(line)).toEqual({
      kind: 'event',
      record: {
        ts: 1_767_571_226_904, minute: 29_459_520, venue: 'binance', side: 'long', eventPrice: 79_184.05, triggerPrice: 79_384.97, notional: 6572.28,
        priceInsane: false, fallback: false, tierDisabled: false, attributedTier: 250, isHit: true, missUsd: 13.6, missPct: 0.00017, fromMark: true,
      },
    });
  });

  it('reads the levels of a minute line, and marks minute lines written before the engine logged them', () => {
    const line = { type: 'minute', ts: 120_000, minute_key: 2, close: 100, proj_added: [['long', 50, 98.2, 1000], ['short', 50, 101.8, 500]], tape_added: [['short', 100.5, 250]] };
    expect(parseLogLine(JSON.stringify(line))).toEqual({
      kind: 'minute',
      record: {
        key: 2,
        close: 100,
        projection: [{ side: 'long', tier: 50, price: 98.2, usd: 1000 }, { side: 'short', tier: 50, price: 101.8, usd: 500 }],
        tape: [{ side: 'short', price: 100.5, usd: 250 }],
        hasLevels: true,
      },
    });
    const old = parseLogLine(JSON.stringify({ type: 'minute', ts: 120_000, minute_key: 2, close: 100 }));
    expect(old).toMatchObject({ kind: 'minute', record: { hasLevels: false, projection: [], tape: [] } });
  });

  it('skips what it cannot use with a reason: the PoC\'s Infinity tokens, broken JSON, lines without a type or fields', () => {
    expect(parseLogLine('{"type":"event","miss_distance_buckets":Infinity}')).toEqual({ kind: 'skip', reason: 'not JSON (non-standard token Infinity)' });
    expect(parseLogLine('{"type":"calibration","avg_miss_distance":NaN}')).toEqual({ kind: 'skip', reason: 'not JSON (non-standard token NaN)' });
    expect(parseLogLine('{"type":"even')).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/^not JSON \(/) });
    expect(parseLogLine('[1,2]')).toEqual({ kind: 'skip', reason: 'not a JSON object' });
    expect(parseLogLine('{"ts":1}')).toEqual({ kind: 'skip', reason: 'no "type"' });
    expect(parseLogLine('{"type":"event","ts":1,"side":"up","event_price":1,"notional":1}')).toEqual({ kind: 'skip', reason: 'event line without ts, side, event_price or notional' });
    expect(parseLogLine('{"type":"minute","minute_key":3,"proj_added":[["long",50,"x",1]],"tape_added":[]}')).toEqual({ kind: 'skip', reason: 'minute line with a malformed proj_added entry' });
    expect(parseLogLine('{"type":"sweep","ts":1}')).toEqual({ kind: 'other', type: 'sweep' });
  });

  it('reads a calibration line: weights before and after, bias, buffer, tolerance', () => {
    const line = {
      type: 'calibration', ts: 900_000, calibration_count: 1, events: { total: 9, attributed: 8, hits: 6 }, hit_rate: 0.75,
      weights_before: { '20': 0.5, '50': 0.5 }, weights_after: { '20': 0.45, '50': 0.55 }, weights: { applied: true, reason: '8 attributed event(s)' },
      bias: { long: { samples: 10, before: 0, after: 0.0001 }, short: { samples: 2, before: 0, after: 0 } }, buffer: { before: 0.002, after: 0.0021 }, tolerance: { after: 5 },
    };
    expect(parseLogLine(JSON.stringify(line))).toMatchObject({
      kind: 'calibration',
      record: { ts: 900_000, count: 1, eventsTotal: 9, attributed: 8, hits: 6, hitRate: 0.75, weightsAfter: { '20': 0.45, '50': 0.55 }, weightsApplied: true, biasLongAfter: 0.0001, biasSamplesLong: 10, bufferAfter: 0.0021, toleranceAfter: 5 },
    });
  });
});
