/**
 * A small deterministic capture in real venue shapes, for pipeline and command tests
 * that must not depend on the simulator: Binance mark prices every second, REST open
 * interest every 15 s rising and falling, aggTrades, and liquidations on both sides.
 */

import type { Envelope } from '../capture/envelope.js';
import { CaptureWriter } from '../capture/writer.js';

export const SYNTHETIC_T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

export function syntheticEnvelopes(minutes: number, t0 = SYNTHETIC_T0): Envelope[] {
  const out: Envelope[] = [];
  let oi = 80_000;
  for (let s = 0; s < minutes * 60; s++) {
    const t = t0 + s * 1000;
    const price = 65_000 + 400 * Math.sin(s / 300) + 30 * Math.sin(s / 7);
    out.push({
      t: t + 35,
      v: 'binance',
      c: 'markPrice@1s',
      d: { stream: 'btcusdt@markPrice@1s', data: { e: 'markPriceUpdate', E: t, s: 'BTCUSDT', p: price.toFixed(2), i: price.toFixed(2), P: price.toFixed(2), r: '0.00010000', T: t0 + 8 * 3_600_000 } },
    });
    if (s % 3 === 0) {
      const buyer = Math.sin(s / 50) > 0;
      out.push({
        t: t + 40,
        v: 'binance',
        c: 'aggTrade',
        d: { stream: 'btcusdt@aggTrade', data: { e: 'aggTrade', E: t, s: 'BTCUSDT', a: s, p: price.toFixed(1), q: '0.750', f: s, l: s, T: t, m: !buyer } },
      });
    }
    if (s % 15 === 0) {
      oi += 40 * Math.sin(s / 400) + 15;
      out.push({ t: t + 120, v: 'binance', c: 'rest.openInterest', d: { openInterest: oi.toFixed(3), symbol: 'BTCUSDT', time: t + 100 }, q: { symbol: 'BTCUSDT' } });
    }
    if (s % 97 === 0 && s > 0) {
      const long = s % 2 === 0;
      const p = long ? price * 0.996 : price * 1.004;
      out.push({
        t: t + 60,
        v: 'binance',
        c: 'forceOrder',
        d: { stream: '!forceOrder@arr', data: { e: 'forceOrder', E: t, o: { s: 'BTCUSDT', S: long ? 'SELL' : 'BUY', o: 'LIMIT', f: 'IOC', q: '0.420', p: p.toFixed(1), ap: p.toFixed(1), X: 'FILLED', l: '0.420', z: '0.420', T: t } } },
      });
    }
    out.push({ t: t + 500, v: 'moonstream', c: 'tick', d: {} });
  }
  return out;
}

export function writeSyntheticCapture(file: string, minutes: number): void {
  const writer = new CaptureWriter(file, { header: { started: SYNTHETIC_T0, symbols: ['BTC'], venues: ['binance'] }, flushBytes: 1 << 16 });
  for (const envelope of syntheticEnvelopes(minutes)) writer.write(envelope);
  writer.close();
}
