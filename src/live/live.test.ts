import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAllEnvelopes } from '../capture/reader.js';
import { formatStatusLines } from './status.js';
import { listFiles, startLiveHarness, T0, type LiveHarness } from './test-harness.js';

let h: LiveHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('live against the loopback venues', () => {
  it('subscribes on every venue, has every subscription acknowledged, syncs every book and polls open interest', async () => {
    h = await startLiveHarness();
    await h.run(20_000, 250);
    const status = h.live.status();
    expect(status.connections.map((c) => [c.connection, c.state])).toEqual([
      ['binance.public', 'open'],
      ['binance.market', 'open'],
      ['bybit.public', 'open'],
      ['okx.public', 'open'],
    ]);
    for (const c of status.connections) {
      expect(c.subscriptions.acked, c.connection).toBe(c.subscriptions.sent);
      expect(c.subscriptions.rejected).toEqual([]);
      expect(c.frames.garbage).toBe(0);
    }
    // Binance 1 + 1 SUBSCRIBE, Bybit one per topic (4 × 3), OKX liquidations + one per symbol
    expect(status.connections.map((c) => c.subscriptions.sent)).toEqual([1, 1, 12, 4]);
    for (const symbol of ['BTC', 'ETH', 'SOL']) {
      for (const venue of ['binance', 'bybit', 'okx'] as const) {
        expect(status.books[symbol]![venue], `${symbol} ${venue}`).toMatchObject({ synced: true, gaps: 0 });
      }
    }
    expect(status.resync.snapshotsReceived).toBe(3); // one Binance depth snapshot per symbol
    const oi = status.rest.polls.filter((p) => p.name === 'openInterest');
    expect(oi).toHaveLength(9);
    for (const p of oi) expect(p).toMatchObject({ failed: 0, consecutiveFailures: 0, runs: 2 });
    expect(status.ticks).toBe(20);
    expect(status.pipeline.dropped).toEqual({});
    expect(status.pipeline.control).toMatchObject({ 'binance.ack': 2, 'bybit.ack': 12, 'okx.ack': 16, 'okx.instruments': 1 });
    // the Bybit keepalive was answered
    expect(status.connections[2]).toMatchObject({ keepalivePings: 1, keepaliveReplies: 1 });
  });

  it('prints one status line per venue', async () => {
    h = await startLiveHarness({ symbols: ['BTC'] });
    await h.run(16_000, 500);
    const lines = formatStatusLines(h.live.status());
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^binance {2}2\/2 open · [\d.]+ msg\/s · last [\d.]+ s ago · 0 reconnects · OI 1\/1 · books 1\/1 synced$/);
    expect(lines[1]).toMatch(/^bybit {4}1\/1 open · /);
    expect(lines[2]).toMatch(/^okx {6}1\/1 open · .* OI 1\/1 · books 1\/1 synced$/);
    // the data dir: written off the event loop, silent while the disk keeps up
    const status = h.live.status();
    expect(status.writeQueue).toMatchObject({ pending: 0, refused: 0, errors: 0 });
    const behind = { ...status.writeQueue!, pendingBytes: 3.2 * 2 ** 20, peakPendingBytes: 3.4 * 2 ** 20, refused: 2, refusedBytes: 2 ** 19 };
    expect(formatStatusLines({ ...status, writeQueue: behind, sinkErrors: 1 })[3]).toBe(
      'disk     3.2 MiB waiting to be written (peak 3.4 MiB) · 2 writes refused (0.5 MiB): the disk is too slow · 1 write failure',
    );
  });

  it('names the streams a venue rejects and keeps the rest', async () => {
    // the venues list BTC only; live asks for BTC and ETH
    h = await startLiveHarness({ symbols: ['BTC', 'ETH'], venueSymbols: ['BTC'], venues: ['bybit'] });
    await h.run(2_000, 250);
    const bybit = h.live.status().connections[0]!;
    expect(bybit.subscriptions).toMatchObject({ sent: 8, acked: 4 });
    expect([...bybit.subscriptions.rejected].sort()).toEqual(['allLiquidation.ETHUSDT', 'orderbook.50.ETHUSDT', 'publicTrade.ETHUSDT', 'tickers.ETHUSDT']);
    expect(h.logger.matching('subscription rejected for orderbook.50.ETHUSDT: error:handler not found,topic:orderbook.50.ETHUSDT')).toHaveLength(1);
    expect(h.live.status().books.BTC!.bybit).toMatchObject({ synced: true });
  });

  it('records every frame, control frame, REST body, tick and disconnect as envelopes with their receive time', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'ms-live-rec-'));
    const record = path.join(dir, 'capture.jsonl.gz');
    h = await startLiveHarness({ symbols: ['BTC'], live: { record }, dir });
    await h.run(3_000, 250);
    h.venues.okx!.drop();
    await h.run(3_000, 250);
    const status = await h.live.stop();
    const envelopes = await readAllEnvelopes(record);
    expect(envelopes).toHaveLength(status.recorder!.lines - 1); // minus the header
    expect(status.pipeline.envelopes).toBe(envelopes.length);
    const kinds = new Set(envelopes.map((e) => `${e.v}/${e.c}`));
    for (const kind of [
      'binance/depth@100ms',
      'binance/markPrice@1s',
      'binance/control',
      'binance/rest.depthSnapshot',
      'binance/rest.openInterest',
      'binance/rest.ratio.topAccount',
      'bybit/orderbook.50',
      'bybit/tickers',
      'bybit/control',
      'bybit/rest.openInterest',
      'okx/books',
      'okx/control',
      'okx/rest.instruments',
      'okx/rest.openInterest',
      'moonstream/tick',
      'moonstream/disconnect',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const depth = envelopes.find((e) => e.c === 'rest.depthSnapshot')!;
    expect(depth.q).toEqual({ symbol: 'BTCUSDT', limit: 1000 });
    const disconnect = envelopes.find((e) => e.c === 'disconnect')!;
    expect(disconnect.d).toMatchObject({ venue: 'okx', symbols: ['BTC'], reason: expect.stringContaining('okx.public') });
    // receive times never run backwards
    for (let i = 1; i < envelopes.length; i++) expect(envelopes[i]!.t).toBeGreaterThanOrEqual(envelopes[i - 1]!.t);
    expect(envelopes[0]!.t).toBeGreaterThanOrEqual(T0);
    await h.venues.close();
    fs.rmSync(dir, { recursive: true, force: true });
    h = undefined;
  });

  it('stops cleanly: sockets closed, state files flushed, nothing left running', async () => {
    h = await startLiveHarness({ symbols: ['BTC'] });
    await h.run(125_000, 1_000);
    const status = await h.live.stop();
    expect(status.state).toBe('stopped');
    expect(status.connections.every((c) => c.state === 'closed')).toBe(true);
    const files = listFiles(h.dataDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'history/BTC.v1.bin',
        'history/BTC.v2.bin',
        'logs/calibrator-BTC.jsonl',
        'orderbook/BTC.bin',
        'orderbook/BTC.stats.json',
        'snapshots/BTC.v1.json',
        'snapshots/BTC.v2.json',
        'weights/BTC.json',
        'zones/BTC.json',
      ]),
    );
    const pending = h.clock.pendingTimers;
    await h.venues.close();
    // the live runner leaves no timer behind (the venues' were theirs)
    expect(h.clock.pendingTimers).toBeLessThanOrEqual(pending);
  });
});
