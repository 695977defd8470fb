/**
 * Binance USDⓈ-M frames as the venue publishes them (VENUES.md section 1): combined-stream
 * wrappers `{"stream":…,"data":…}` around depthUpdate (official example), aggTrade and
 * forceOrder (the 2026 payloads of the official SDK tests, with `nq`/`st` and `ps`/`st`),
 * markPriceUpdate (the real 2023 frames' key order), bookTicker; REST bodies of
 * /fapi/v1/depth, /fapi/v1/openInterest and the three /futures/data ratio endpoints.
 * Numbers are strings in the venue's precision; ids and times are numbers.
 */

import { formatFixed, formatUnits } from './format.js';
import type { InstrumentSpec } from './params.js';
import type { BookDiff } from './book.js';

export class BinanceFrames {
  readonly symbol: string;
  readonly stream: string;
  private readonly spec: InstrumentSpec;

  constructor(spec: InstrumentSpec) {
    this.spec = spec;
    this.symbol = spec.instrument;
    this.stream = spec.instrument.toLowerCase();
  }

  /** A price held in integer price units. */
  price(units: number): string {
    return formatUnits(units, this.spec.priceDecimals, this.spec.priceDisplay);
  }

  /** A float price (bankruptcy, average fill) at the venue's printed precision. */
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

  depthUpdate(E: number, T: number, diff: BookDiff): string {
    return (
      `{"stream":"${this.stream}@depth@100ms","data":{"e":"depthUpdate","E":${E},"T":${T},"s":"${this.symbol}",` +
      `"U":${diff.firstId},"u":${diff.lastId},"pu":${diff.prevLastId},"b":${this.levels(diff.bids)},"a":${this.levels(diff.asks)}}}`
    );
  }

  /** `m` = the buyer is the maker, i.e. the taker sold. */
  aggTrade(E: number, a: number, priceUnits: number, qtyUnits: number, f: number, l: number, T: number, m: boolean): string {
    const q = this.qty(qtyUnits);
    return (
      `{"stream":"${this.stream}@aggTrade","data":{"e":"aggTrade","E":${E},"s":"${this.symbol}","a":${a},` +
      `"p":"${this.price(priceUnits)}","q":"${q}","nq":"${q}","f":${f},"l":${l},"T":${T},"m":${m},"st":1}}`
    );
  }

  /** `T` here is the next funding time, as Binance defines it. */
  markPrice(E: number, mark: number, settle: number, index: number, rate: number, nextFunding: number): string {
    return (
      `{"stream":"${this.stream}@markPrice@1s","data":{"e":"markPriceUpdate","E":${E},"s":"${this.symbol}",` +
      `"p":"${formatFixed(roundTo(mark, this.spec.priceDisplay), 8)}","P":"${formatFixed(settle, 8)}","i":"${formatFixed(index, 8)}",` +
      `"r":"${formatFixed(rate, 8)}","T":${nextFunding}}}`
    );
  }

  /** `side` is the liquidation ORDER's side: SELL closes a long. `price` the order (bankruptcy) price, `avg` the fill. */
  forceOrder(E: number, side: 'BUY' | 'SELL', qtyUnits: number, price: number, avg: number, T: number): string {
    const q = this.qty(qtyUnits);
    return (
      `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${E},"o":{"s":"${this.symbol}","S":"${side}","o":"LIMIT","f":"IOC",` +
      `"q":"${q}","p":"${this.priceFloat(price)}","ap":"${this.priceFloat(avg)}","X":"FILLED","l":"${q}","z":"${q}","T":${T}},` +
      `"ps":"${this.symbol}","st":1}}`
    );
  }

  bookTicker(E: number, T: number, u: number, bid: number, bidQty: number, ask: number, askQty: number): string {
    return (
      `{"stream":"${this.stream}@bookTicker","data":{"e":"bookTicker","u":${u},"s":"${this.symbol}","b":"${this.price(bid)}",` +
      `"B":"${this.qty(bidQty)}","a":"${this.price(ask)}","A":"${this.qty(askQty)}","T":${T},"E":${E}}}`
    );
  }

  /** GET /fapi/v1/depth body (no symbol in it). */
  depthSnapshot(lastUpdateId: number, E: number, T: number, bids: readonly number[], asks: readonly number[]): string {
    return `{"lastUpdateId":${lastUpdateId},"E":${E},"T":${T},"bids":${this.levels(bids)},"asks":${this.levels(asks)}}`;
  }

  /** GET /fapi/v1/openInterest body: base asset. */
  openInterest(qtyUnits: number, time: number): string {
    return `{"openInterest":"${this.qty(qtyUnits)}","symbol":"${this.symbol}","time":${time}}`;
  }

  /** GET /futures/data/*LongShort*Ratio body with limit=1. */
  ratio(longShare: number, timestamp: number): string {
    const long = Math.min(0.9999, Math.max(0.0001, Math.round(longShare * 10_000) / 10_000));
    const short = Math.round((1 - long) * 10_000) / 10_000;
    return (
      `[{"symbol":"${this.symbol}","longShortRatio":"${formatFixed(long / short, 4)}","longAccount":"${formatFixed(long, 4)}",` +
      `"shortAccount":"${formatFixed(short, 4)}","timestamp":${timestamp}}]`
    );
  }
}

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
