import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replay } from '../replay/replay.js';
import { listFiles, startLiveHarness, type LiveHarness } from './test-harness.js';

let h: LiveHarness | undefined;
let dir: string | undefined;

afterEach(async () => {
  await h?.close();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

describe('record → replay', () => {
  it('replays a recorded live run, faults and resyncs included, into byte-identical state files', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-live-replay-'));
    const record = path.join(dir, 'live.jsonl.gz');
    h = await startLiveHarness({
      dir,
      live: { record, rotateEveryMs: 100_000 },
      // Binance closes connections after 110 s here: the 100 s rotation must beat it
      loopback: { binance: { maxConnectionAgeMs: 110_000 } },
    });
    const { venues } = h;
    await h.run(30_000, 250);
    venues.binance!.drop((c) => c.url.startsWith('/public')); // disconnect → the books resync from a REST snapshot
    await h.run(20_000, 250);
    venues.okx!.gap('books:ETH-USDT-SWAP'); // OKX sequence gap → resubscribe → snapshot
    venues.bybit!.sendGarbage('truncated');
    await h.run(20_000, 250);
    venues.binance!.failHttp({ path: '/fapi/v1/openInterest', status: 503, times: 20 }); // polls fail for a while
    venues.binance!.gap('btcusdt@depth@100ms'); // Binance pu gap → REST snapshot
    await h.run(40_000, 250);
    venues.bybit!.drop();
    await h.run(80_000, 250); // past the 100 s Binance rotation
    const status = await h.live.stop();

    // the run did go through every kind of trouble
    expect(status.disconnects).toBeGreaterThanOrEqual(2);
    expect(status.resync.snapshotsReceived).toBeGreaterThanOrEqual(6);
    expect(status.resync.resubscribes).toBeGreaterThanOrEqual(1);
    expect(status.restFailures.binance).toBeGreaterThan(0);
    expect(status.connections.filter((c) => c.venue === 'binance').every((c) => c.rotations === 1)).toBe(true);
    expect(status.pipelineErrors).toBe(0);
    expect(status.recorder?.failed).toBeUndefined();

    const dataB = path.join(dir, 'replayed');
    const summary = await replay({ files: [record], dataDir: dataB, symbols: ['BTC', 'ETH', 'SOL'] });
    expect(summary.envelopes).toBe(status.pipeline.envelopes);
    expect(summary.malformedLines).toBe(0);
    expect(summary.dropped).toEqual(status.pipeline.dropped);
    expect(summary.control).toEqual(status.pipeline.control);

    const filesA = listFiles(h.dataDir);
    expect(filesA).toEqual(
      expect.arrayContaining(['history/BTC.v1.bin', 'logs/calibrator-ETH.jsonl', 'orderbook/SOL.bin', 'orderbook/SOL.stats.json', 'snapshots/BTC.v2.json', 'zones/ETH.json']),
    );
    expect(listFiles(dataB)).toEqual(filesA);
    for (const file of filesA) {
      const a = fs.readFileSync(path.join(h.dataDir, file));
      const b = fs.readFileSync(path.join(dataB, file));
      expect(b.equals(a), `${file} differs between the live run and its replay`).toBe(true);
    }
  });
});
