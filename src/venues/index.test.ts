import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tickEnvelope, type Envelope } from '../capture/envelope.js';
import { readAllEnvelopes } from '../capture/reader.js';
import type { NormalizedEvent } from '../events.js';
import { listVenueFixtures, readVenueFixture, venueFixturesDir } from './fixtures.js';
import { createNormalizers, disconnectEnvelope, DROP_REASONS, NormalizerCounters } from './index.js';
import { LIQUIDATED_POSITION, liquidatedPosition } from './liquidation-side.js';

function normalize(envelopes: readonly Envelope[]) {
  const registry = createNormalizers();
  const out: NormalizedEvent[] = [];
  for (const envelope of envelopes) registry.normalize(envelope, out);
  return { events: out, ...registry.snapshot(), registry };
}

describe('createNormalizers', () => {
  it('turns a moonstream tick envelope into a Tick at the receive time', () => {
    expect(normalize([tickEnvelope(1732312346000)]).events).toEqual([{ type: 'tick', ts: 1732312346000 }]);
  });

  it('turns a moonstream disconnect envelope into a Disconnect event', () => {
    const { events } = normalize([disconnectEnvelope(1732312347000, 'okx', 'stale socket', ['BTC']), disconnectEnvelope(1732312348000, 'bybit', 'closed 1006')]);
    expect(events).toEqual([
      { type: 'disconnect', venue: 'okx', ts: 1732312347000, reason: 'stale socket', symbols: ['BTC'] },
      { type: 'disconnect', venue: 'bybit', ts: 1732312348000, reason: 'closed 1006', symbols: undefined },
    ]);
  });

  it('counts an unknown venue, an unknown pipeline channel and a malformed disconnect', () => {
    const { events, dropped } = normalize([
      { t: 1, v: 'hyperliquid', c: 'trades', d: {} },
      { t: 2, v: 'moonstream', c: 'heartbeat', d: {} },
      { t: 3, v: 'moonstream', c: 'disconnect', d: { venue: 'kraken' } },
    ]);
    expect(events).toEqual([]);
    expect(dropped).toEqual({ 'moonstream.unknown_venue': 1, 'moonstream.unknown_channel': 1, 'moonstream.malformed_payload': 1 });
  });

  it('dispatches on the venue: the same channel name means different things per venue', () => {
    const { dropped } = normalize([
      { t: 1, v: 'binance', c: 'tickers', d: {} },
      { t: 1, v: 'okx', c: 'allLiquidation', d: {} },
    ]);
    expect(dropped).toEqual({ 'binance.unknown_channel': 1, 'okx.unknown_channel': 1 });
  });

  it('shares counters when asked to, and hands out each venue normalizer', () => {
    const counters = new NormalizerCounters();
    const a = createNormalizers({ counters });
    const b = createNormalizers({ counters });
    a.normalize({ t: 1, v: 'x', c: 'y', d: {} }, []);
    b.normalize({ t: 1, v: 'x', c: 'y', d: {} }, []);
    expect(counters.snapshot().dropped).toEqual({ 'moonstream.unknown_venue': 2 });
    expect(counters.totalDropped).toBe(2);
    expect(a.venue('okx')).toBe(a.okx);
    expect(a.venue('binance').venue).toBe('binance');
    counters.reset();
    expect(counters.snapshot()).toEqual({ dropped: {}, control: {} });
  });

  it('returns counter snapshots that later counts do not change', () => {
    const registry = createNormalizers();
    registry.normalize({ t: 1, v: 'x', c: 'y', d: {} }, []);
    const before = registry.snapshot();
    registry.normalize({ t: 1, v: 'x', c: 'y', d: {} }, []);
    expect(before.dropped).toEqual({ 'moonstream.unknown_venue': 1 });
    expect(registry.counters.droppedOf('moonstream.unknown_venue')).toBe(2);
  });
});

describe('venue fixtures', () => {
  /** Lines that legitimately yield nothing and count nothing: the input was consumed. */
  const SILENT = new Set([
    'bybit/all-liquidation.jsonl:6', // an empty batch
    'bybit/tickers.jsonl:6', // a ticker delta that only moved the best bid/ask: merged, nothing to emit
  ]);

  it.each(listVenueFixtures())('%s: every line yields events or a counter', (name) => {
    const registry = createNormalizers();
    const total = () => {
      const { dropped, control } = registry.snapshot();
      return [...Object.values(dropped), ...Object.values(control)].reduce((a, b) => a + b, 0);
    };
    readVenueFixture(name).envelopes.forEach((envelope, index) => {
      const out: NormalizedEvent[] = [];
      const before = total();
      registry.normalize(envelope, out);
      const line = `${name}:${index + 2}`;
      const accounted = out.length > 0 || total() > before;
      expect(accounted || SILENT.has(line), `${line} produced nothing and counted nothing`).toBe(true);
    });
  });

  it.each(listVenueFixtures())('%s: is a valid capture with a provenance note per line', async (name) => {
    const fixture = readVenueFixture(name);
    expect(typeof fixture.header?.provenance).toBe('string');
    expect(fixture.header?.lines).toHaveLength(fixture.envelopes.length);
    const read = await readAllEnvelopes(path.join(venueFixturesDir(), name), { strict: true });
    expect(read).toEqual(fixture.envelopes);
  });

  it('counts only documented reasons, keyed "<venue>.<reason>"', () => {
    const envelopes = listVenueFixtures().flatMap((name) => readVenueFixture(name).envelopes);
    const { dropped, control } = normalize(envelopes);
    for (const key of Object.keys(dropped)) {
      const [source, reason, ...rest] = key.split('.');
      expect(['binance', 'bybit', 'okx', 'moonstream']).toContain(source);
      expect(rest).toEqual([]);
      expect(Object.keys(DROP_REASONS)).toContain(reason);
    }
    expect(Object.keys(control).sort()).toEqual(['binance.ack', 'bybit.ack', 'bybit.pong', 'okx.ack', 'okx.instruments', 'okx.notice', 'okx.pong']);
    expect(dropped['binance.internal_error'] ?? 0).toBe(0);
  });
});

describe('liquidation side table', () => {
  it('holds one row per venue field, mapping to the liquidated POSITION', () => {
    expect(LIQUIDATED_POSITION).toEqual({
      'binance.o.S': { BUY: 'short', SELL: 'long' }, // order side
      'bybit.S': { Buy: 'long', Sell: 'short' }, // position side (Bybit docs)
      'okx.posSide': { long: 'long', short: 'short' }, // position side
      'okx.side': { buy: 'short', sell: 'long' }, // order side, for posSide "net"
    });
  });

  it('answers undefined for values it has no row for, prototype names included', () => {
    expect(liquidatedPosition('binance.o.S', 'buy')).toBeUndefined(); // case matters, as documented
    expect(liquidatedPosition('bybit.S', 'constructor')).toBeUndefined();
    expect(liquidatedPosition('okx.side', '__proto__')).toBeUndefined();
    expect(liquidatedPosition('okx.posSide', 7)).toBeUndefined();
  });
});
