/**
 * Bybit v5 linear frames (VENUES.md section 2): allLiquidation batches (`S` is the
 * POSITION side: Buy = a long was liquidated; `p` the bankruptcy price),
 * orderbook.50 snapshot/delta (`u` +1 per delta, `seq` cross sequence, `cts`),
 * publicTrade batches, tickers snapshot then partial deltas (open interest both
 * sides plus `singleOpenInterest`), and the REST /v5/market/open-interest body.
 */

import { formatFixed, formatUnits } from './format.js';
import type { InstrumentSpec } from './params.js';

export interface BybitLiquidationEntry {
  readonly T: number;
  /** Position side: Buy = long liquidated. */
  readonly S: 'Buy' | 'Sell';
  readonly qtyUnits: number;
  /** Bankruptcy price (float). */
  readonly price: number;
}

export interface BybitTradeEntry {
  readonly T: number;
  readonly S: 'Buy' | 'Sell';
  readonly qtyUnits: number;
  readonly priceUnits: number;
  readonly L: string;
  readonly i: string;
  readonly seq: number;
}

/** The ticker fields in the order of Bybit's published linear snapshot, plus the 2026 single-side fields. */
export const BYBIT_TICKER_FIELDS = [
  'symbol',
  'tickDirection',
  'price24hPcnt',
  'lastPrice',
  'prevPrice24h',
  'highPrice24h',
  'lowPrice24h',
  'prevPrice1h',
  'markPrice',
  'indexPrice',
  'openInterest',
  'openInterestValue',
  'singleOpenInterest',
  'singleOpenInterestValue',
  'turnover24h',
  'volume24h',
  'nextFundingTime',
  'fundingRate',
  'bid1Price',
  'bid1Size',
  'ask1Price',
  'ask1Size',
] as const;
export type BybitTickerField = (typeof BYBIT_TICKER_FIELDS)[number];

export class BybitFrames {
  readonly symbol: string;
  private readonly spec: InstrumentSpec;

  constructor(spec: InstrumentSpec) {
    this.spec = spec;
    this.symbol = spec.instrument;
  }

  price(units: number): string {
    return formatUnits(units, this.spec.priceDecimals, this.spec.priceDisplay);
  }

  priceFloat(value: number): string {
    return formatFixed(value, this.spec.priceDisplay);
  }

  qty(units: number): string {
    return formatUnits(units, this.spec.qtyDecimals, this.spec.qtyDisplay);
  }

  private levels(flat: readonly number[]): string {
    let out = '[';
    for (let i = 0; i < flat.length; i += 2) {
      if (i > 0) out += ',';
      out += `["${this.price(flat[i]!)}","${this.qty(flat[i + 1]!)}"]`;
    }
    return `${out}]`;
  }

  allLiquidation(ts: number, entries: readonly BybitLiquidationEntry[]): string {
    let data = '';
    for (const e of entries) {
      if (data !== '') data += ',';
      data += `{"T":${e.T},"s":"${this.symbol}","S":"${e.S}","v":"${this.qty(e.qtyUnits)}","p":"${this.priceFloat(e.price)}"}`;
    }
    return `{"topic":"allLiquidation.${this.symbol}","type":"snapshot","ts":${ts},"data":[${data}]}`;
  }

  /** bids best first (descending), asks ascending. */
  orderbook(type: 'snapshot' | 'delta', ts: number, bids: readonly number[], asks: readonly number[], u: number, seq: number, cts: number): string {
    return (
      `{"topic":"orderbook.50.${this.symbol}","type":"${type}","ts":${ts},"data":{"s":"${this.symbol}",` +
      `"b":${this.levels(bids)},"a":${this.levels(asks)},"u":${u},"seq":${seq}},"cts":${cts}}`
    );
  }

  publicTrade(ts: number, trades: readonly BybitTradeEntry[]): string {
    let data = '';
    for (const t of trades) {
      if (data !== '') data += ',';
      data +=
        `{"T":${t.T},"s":"${this.symbol}","S":"${t.S}","v":"${this.qty(t.qtyUnits)}","p":"${this.price(t.priceUnits)}",` +
        `"L":"${t.L}","i":"${t.i}","BT":false,"seq":${t.seq}}`;
    }
    return `{"topic":"publicTrade.${this.symbol}","type":"snapshot","ts":${ts},"data":[${data}]}`;
  }

  /** tickers snapshot (all fields) or delta (only `fields` that changed). */
  tickers(type: 'snapshot' | 'delta', values: Readonly<Record<BybitTickerField, string>>, fields: readonly BybitTickerField[], cs: number, ts: number): string {
    let data = '';
    for (const f of fields) {
      if (data !== '') data += ',';
      data += `"${f}":"${values[f]}"`;
    }
    if (type === 'delta') data = `"symbol":"${this.symbol}"${data === '' ? '' : ','}${data}`;
    return `{"topic":"tickers.${this.symbol}","type":"${type}","data":{${data}},"cs":${cs},"ts":${ts}}`;
  }

  /** GET /v5/market/open-interest (intervalTime=5min, limit=1): openInterest = both sides. */
  openInterest(singleUnits: number, bucketStart: number, time: number): string {
    const both = formatUnits(2 * singleUnits, this.spec.qtyDecimals, 8);
    return (
      `{"retCode":0,"retMsg":"OK","result":{"symbol":"${this.symbol}","category":"linear","list":[{"openInterest":"${both}",` +
      `"singleOpenInterest":"${this.qty(singleUnits)}","timestamp":"${bucketStart}"}],"nextPageCursor":""},"retExtInfo":{},"time":${time}}`
    );
  }
}
