/**
 * The batch simulation: one `SimMarket` plus the REST polls a live moonstream makes
 * (seed "REST Polling"), every frame handed on in receive-time order. Polls are
 * answered from the market's state at the server's answer time:
 *   - Binance /fapi/v1/depth (limit 1000) per symbol once, 300 ms after the start
 *     (a client subscribes, buffers diffs, then fetches the snapshot; the model's
 *     streams never gap, so no later resync is needed);
 *   - open interest per venue and symbol every 15 s, answered exactly on 15 s
 *     boundaries (so every fourth answer is the minute-boundary value in the truth);
 *   - the three Binance trader ratios per symbol every 60 s (at :30).
 * `simulateToFile` writes the frames as a capture plus `<out>.truth.json`.
 */

import * as fs from 'node:fs';
import type { Venue } from '../events.js';
import { CaptureWriter } from '../capture/writer.js';
import { writeFileAtomic } from '../store/atomic-json.js';
import { MoonstreamError } from '../errors.js';
import { SimMarket, type FrameConsumer, type SimFrame, type SimOptions, type TraderRatioKind } from './market.js';
import { DEFAULT_START_MS, instrumentSpec, POLL_INTERVALS } from './params.js';
import { formatTruth, truthPathFor, type SimTruth } from './truth.js';

export interface SimRunOptions extends SimOptions {
  /** Simulated minutes (whole, ≥ 1). */
  readonly minutes: number;
  /** Called about once per simulated minute (the run yields to the event loop then, so spinners turn). */
  readonly onProgress?: (progress: SimProgress) => void;
  /**
   * Aborting stops the run at its next yield (once per simulated minute): it rejects with
   * an `INTERRUPTED` MoonstreamError and emits nothing more.
   */
  readonly signal?: AbortSignal;
}

export interface SimProgress {
  readonly minutesDone: number;
  readonly minutes: number;
  readonly frames: number;
  readonly liquidations: number;
}

const RATIO_ROUTES: Readonly<Record<TraderRatioKind, string>> = {
  topAccount: '/futures/data/topLongShortAccountRatio',
  topPosition: '/futures/data/topLongShortPositionRatio',
  globalAccount: '/futures/data/globalLongShortAccountRatio',
};

/** Run a simulation, handing every frame (REST answers included) to `consumer` in receive-time order. */
export async function runSimulation(options: SimRunOptions, consumer: FrameConsumer): Promise<SimMarket> {
  if (!Number.isInteger(options.minutes) || options.minutes < 1) throw new MoonstreamError('USAGE', `--minutes must be a whole number ≥ 1, got ${options.minutes}`);
  throwIfInterrupted(options.signal);
  const market = new SimMarket(options, consumer);
  const start = market.startMs;
  const end = start + options.minutes * 60_000;
  market.start();

  const polls = new PollQueue();
  if (market.venues.includes('binance')) {
    market.symbols.forEach((symbol, i) => polls.add(start + 300 + 50 * i, (at) => depthPoll(market, symbol, at)));
  }
  const openInterest = (at: number): void => {
    for (const symbol of market.symbols) for (const venue of market.venues) openInterestPoll(market, venue, symbol, at);
    polls.add(at + POLL_INTERVALS.openInterestMs, openInterest);
  };
  polls.add(start, openInterest);
  const ratios = (at: number): void => {
    for (const symbol of market.symbols) for (const kind of Object.keys(RATIO_ROUTES) as TraderRatioKind[]) ratioPoll(market, kind, symbol, at);
    polls.add(at + POLL_INTERVALS.ratiosMs, ratios);
  };
  polls.add(start + 30_000, ratios);

  let nextProgress = start + 60_000;
  for (;;) {
    const at = polls.nextTime();
    const target = Math.min(at, end, nextProgress);
    market.advanceTo(target);
    if (target === nextProgress && target < end) {
      options.onProgress?.({ minutesDone: (target - start) / 60_000, minutes: options.minutes, frames: market.stats.frames, liquidations: market.liquidations });
      nextProgress += 60_000;
      await yieldToEventLoop();
      throwIfInterrupted(options.signal);
    }
    if (at < end && at === target) {
      polls.runDue(at);
      continue;
    }
    if (target >= end) break;
  }
  market.finish(end);
  options.onProgress?.({ minutesDone: options.minutes, minutes: options.minutes, frames: market.stats.frames, liquidations: market.liquidations });
  return market;
}

function depthPoll(market: SimMarket, symbol: string, serverTime: number): void {
  const rtt = market.restRoundTrip('binance');
  const { json } = market.restDepth(symbol, 1000, serverTime);
  market.inject(restFrame(serverTime, rtt, 'binance', 'rest.depthSnapshot', json, { symbol: instrumentSpec('binance', symbol).instrument, limit: 1000 }, '/fapi/v1/depth'));
}

function openInterestPoll(market: SimMarket, venue: Venue, symbol: string, serverTime: number): void {
  const rtt = market.restRoundTrip(venue);
  const json = market.restOpenInterest(venue, symbol, serverTime);
  const instrument = instrumentSpec(venue, symbol).instrument;
  switch (venue) {
    case 'binance':
      market.inject(restFrame(serverTime, rtt, venue, 'rest.openInterest', json, { symbol: instrument }, '/fapi/v1/openInterest'));
      return;
    case 'bybit':
      market.inject(restFrame(serverTime, rtt, venue, 'rest.openInterest', json, { category: 'linear', symbol: instrument, intervalTime: '5min', limit: 1 }, '/v5/market/open-interest'));
      return;
    case 'okx':
      market.inject(restFrame(serverTime, rtt, venue, 'rest.openInterest', json, { instType: 'SWAP', instId: instrument }, '/api/v5/public/open-interest'));
      return;
  }
}

function ratioPoll(market: SimMarket, kind: TraderRatioKind, symbol: string, serverTime: number): void {
  if (!market.venues.includes('binance')) return;
  const rtt = market.restRoundTrip('binance');
  const json = market.restTraderRatio(kind, symbol, serverTime);
  const q = { symbol: instrumentSpec('binance', symbol).instrument, period: '5m', limit: 1 };
  market.inject(restFrame(serverTime, rtt, 'binance', `rest.ratio.${kind}`, json, q, RATIO_ROUTES[kind]));
}

/** A REST answer computed at `serverTime`, received half a round trip later. */
function restFrame(serverTime: number, rtt: number, v: Venue, c: string, json: string, q: Record<string, string | number>, route: string): SimFrame {
  return { t: serverTime + Math.max(1, Math.round(rtt / 2)), ts: serverTime, v, c, json, q, route };
}

/** Poll callbacks by time; equal times run in the order they were added. */
class PollQueue {
  private entries: { at: number; seq: number; run: (at: number) => void }[] = [];
  private seq = 0;

  add(at: number, run: (at: number) => void): void {
    this.entries.push({ at, seq: this.seq++, run });
    this.entries.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  nextTime(): number {
    return this.entries[0]?.at ?? Infinity;
  }

  runDue(at: number): void {
    while (this.entries.length > 0 && this.entries[0]!.at <= at) {
      const entry = this.entries.shift()!;
      entry.run(entry.at);
    }
  }
}

function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MoonstreamError('INTERRUPTED', 'interrupted', { cause: signal.reason });
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SimulateFileOptions extends SimRunOptions {
  /** Capture to write (`.jsonl` or `.jsonl.gz`); the truth goes to `<out>.truth.json`. */
  readonly out: string;
}

export interface SimulateSummary {
  readonly out: string;
  readonly truthFile: string;
  readonly minutes: number;
  readonly frames: number;
  /** Frames by `venue/channel`, sorted by key. */
  readonly byChannel: Readonly<Record<string, number>>;
  readonly liquidations: number;
  /** Liquidations by `symbol/venue/side`, and how many of them a venue feed published. */
  readonly liquidationsBy: Readonly<Record<string, { readonly total: number; readonly published: number }>>;
  readonly bytes: number;
  readonly truthBytes: number;
  readonly truth: SimTruth;
}

/** Simulate and write the capture and its truth file. */
export async function simulateToFile(options: SimulateFileOptions): Promise<SimulateSummary> {
  const truthFile = truthPathFor(options.out);
  const writer = new CaptureWriter(options.out, {
    header: {
      started: options.startMs ?? DEFAULT_START_MS,
      symbols: options.symbols ?? ['BTC', 'ETH', 'SOL'],
      venues: options.venues ?? ['binance', 'bybit', 'okx'],
      source: 'moonstream simulate',
      seed: options.seed ?? 1,
      minutes: options.minutes,
    },
    flushBytes: 1 << 20,
  });
  let market: SimMarket;
  try {
    market = await runSimulation(options, (f) => writer.writeRaw(f.t, f.v, f.c, f.json, f.q));
  } catch (error) {
    // a capture cut short (its header promises more minutes) and a truth that may belong to an earlier run: remove both
    writer.close();
    fs.rmSync(options.out, { force: true });
    fs.rmSync(truthFile, { force: true });
    if (error instanceof MoonstreamError && error.code === 'INTERRUPTED') {
      throw new MoonstreamError('INTERRUPTED', `interrupted: removed partial ${options.out}`, { cause: error });
    }
    throw error;
  }
  writer.close();
  const truth = market.truth();
  const truthText = formatTruth(truth);
  writeFileAtomic(truthFile, truthText, { fsync: false });
  const byChannel = Object.fromEntries([...market.stats.byChannel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const liquidationsBy: Record<string, { total: number; published: number }> = {};
  for (const l of truth.liquidations) {
    const entry = (liquidationsBy[`${l.symbol}/${l.venue}/${l.side}`] ??= { total: 0, published: 0 });
    entry.total++;
    if (l.published) entry.published++;
  }
  return {
    out: options.out,
    truthFile,
    minutes: options.minutes,
    frames: market.stats.frames,
    byChannel,
    liquidations: truth.liquidations.length,
    liquidationsBy,
    bytes: writer.stats.bytesWritten,
    truthBytes: Buffer.byteLength(truthText),
    truth,
  };
}

/**
 * The one-line summary of a run: messages by venue and channel, liquidations by
 * symbol (with what the venue feeds published), bytes.
 *   simulated 180 min, seed 1: 412,345 messages (binance 200,123: depth@100ms 16,200, …; bybit …; okx …; ticks 10,800), 1,234 liquidations (BTC 500 …, 1,020 published), 3.4 MB → out, truth 1.2 MB
 */
export function summaryLine(summary: SimulateSummary): string {
  const byVenue = new Map<string, [string, number][]>();
  for (const [key, n] of Object.entries(summary.byChannel)) {
    const [venue, channel] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const list = byVenue.get(venue) ?? [];
    list.push([channel, n]);
    byVenue.set(venue, list);
  }
  const venues = [...byVenue.entries()].map(([venue, channels]) => {
    if (venue === 'moonstream') return channels.map(([c, n]) => `${c}s ${count(n)}`).join(', ');
    const total = channels.reduce((a, [, n]) => a + n, 0);
    return `${venue} ${count(total)}: ${channels.map(([c, n]) => `${c} ${count(n)}`).join(', ')}`;
  });
  const bySymbol = new Map<string, number>();
  let published = 0;
  for (const [key, x] of Object.entries(summary.liquidationsBy)) {
    const symbol = key.slice(0, key.indexOf('/'));
    bySymbol.set(symbol, (bySymbol.get(symbol) ?? 0) + x.total);
    published += x.published;
  }
  const liquidations = summary.truth.symbols.map((s) => `${s} ${count(bySymbol.get(s) ?? 0)}`).join(', ');
  const seed = summary.truth.seed;
  return (
    `simulated ${summary.minutes} min, seed ${seed}: ${count(summary.frames)} messages (${venues.join('; ')}), ` +
    `${count(summary.liquidations)} liquidations (${liquidations}; ${count(published)} published by the venue feeds), ` +
    `${bytes(summary.bytes)} → ${summary.out}, truth ${bytes(summary.truthBytes)} → ${summary.truthFile}`
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
