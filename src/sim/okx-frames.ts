/**
 * OKX v5 frames (VENUES.md section 3): liquidation-orders (instType SWAP, several
 * instruments per push, several `details` each, sizes in CONTRACTS, `posSide`
 * long/short/net, `side` the order side), books snapshot/update chained by
 * `seqId`/`prevSeqId` with the deprecated `checksum` fixed at 0 and rows
 * `[px, contracts, "0", orders]`, trades, funding-rate, open-interest, mark-price, and
 * the REST /api/v5/public/open-interest body (`oi` contracts, `oiCcy` base, `oiUsd`).
 * OKX prints numbers in their shortest form and times as strings.
 */

import { formatFixed, formatTrimmed, formatUnitsTrimmed } from './format.js';
import type { InstrumentSpec } from './params.js';

export interface OkxLiquidationDetail {
  readonly posSide: 'long' | 'short' | 'net';
  /** Order side: sell closes a long. */
  readonly side: 'buy' | 'sell';
  readonly qtyUnits: number;
  /** Bankruptcy price (float). */
  readonly bkPx: number;
  readonly bkLoss: number;
  readonly ts: number;
}

export class OkxFrames {
  readonly instId: string;
  readonly family: string;
  private readonly spec: InstrumentSpec;
  /** Decimals of base-asset amounts: contracts' decimals plus ctVal's. */
  private readonly ccyDecimals: number;

  constructor(spec: InstrumentSpec) {
    this.spec = spec;
    this.instId = spec.instrument;
    this.family = spec.instrument.replace(/-SWAP$/, '');
    this.ccyDecimals = spec.qtyDecimals + Math.round(-Math.log10(spec.contractSize));
  }

  price(units: number): string {
    return formatUnitsTrimmed(units, this.spec.priceDecimals);
  }

  priceFloat(value: number): string {
    return formatTrimmed(value, this.spec.priceDecimals);
  }

  /** Contracts. */
  qty(units: number): string {
    return formatUnitsTrimmed(units, this.spec.qtyDecimals);
  }

  private levels(flat: readonly number[], orders: readonly number[]): string {
    let out = '[';
    for (let i = 0; i < flat.length; i += 2) {
      if (i > 0) out += ',';
      out += `["${this.price(flat[i]!)}","${this.qty(flat[i + 1]!)}","0","${orders[i >> 1] ?? 1}"]`;
    }
    return `${out}]`;
  }

  /** One `data[]` item of a liquidation-orders push (the push itself is {@link okxLiquidationPush}). */
  liquidationItem(details: readonly OkxLiquidationDetail[]): string {
    let d = '';
    for (const x of details) {
      if (d !== '') d += ',';
      d +=
        `{"bkLoss":"${formatTrimmed(x.bkLoss, 4)}","bkPx":"${this.priceFloat(x.bkPx)}","ccy":"","posSide":"${x.posSide}",` +
        `"side":"${x.side}","sz":"${this.qty(x.qtyUnits)}","ts":"${x.ts}"}`;
    }
    return `{"details":[${d}],"instFamily":"${this.family}","instId":"${this.instId}","instType":"SWAP","uly":"${this.family}"}`;
  }

  /** asks ascending, bids descending; `orders` per level (count column). */
  books(
    action: 'snapshot' | 'update',
    ts: number,
    asks: readonly number[],
    askOrders: readonly number[],
    bids: readonly number[],
    bidOrders: readonly number[],
    prevSeqId: number,
    seqId: number,
  ): string {
    return (
      `{"arg":{"channel":"books","instId":"${this.instId}"},"action":"${action}","data":[{"asks":${this.levels(asks, askOrders)},` +
      `"bids":${this.levels(bids, bidOrders)},"ts":"${ts}","checksum":0,"prevSeqId":${prevSeqId},"seqId":${seqId}}]}`
    );
  }

  trade(tradeId: number, priceUnits: number, qtyUnits: number, side: 'buy' | 'sell', ts: number, count: number, seqId: number): string {
    return (
      `{"arg":{"channel":"trades","instId":"${this.instId}"},"data":[{"instId":"${this.instId}","tradeId":"${tradeId}",` +
      `"px":"${this.price(priceUnits)}","sz":"${this.qty(qtyUnits)}","side":"${side}","ts":"${ts}","count":"${count}","source":"0","seqId":${seqId}}]}`
    );
  }

  fundingRate(rate: number, fundingTime: number, nextFundingTime: number, premium: number, settled: number, ts: number): string {
    return (
      `{"arg":{"channel":"funding-rate","instId":"${this.instId}"},"data":[{"formulaType":"noRate","fundingRate":"${formatTrimmed(rate, 16)}",` +
      `"fundingTime":"${fundingTime}","impactValue":"","instId":"${this.instId}","instType":"SWAP","interestRate":"","method":"current_period",` +
      `"maxFundingRate":"0.00375","minFundingRate":"-0.00375","nextFundingRate":"","nextFundingTime":"${nextFundingTime}",` +
      `"premium":"${formatTrimmed(premium, 16)}","settFundingRate":"${formatTrimmed(settled, 16)}","settState":"settled","ts":"${ts}"}]}`
    );
  }

  private oiFields(contractUnits: number, mark: number, ts: number): string {
    const ccy = formatUnitsTrimmed(contractUnits, this.ccyDecimals);
    const usd = formatFixed(Number(ccy) * mark, 8);
    return `"oi":"${this.qty(contractUnits)}","oiCcy":"${ccy}","oiUsd":"${usd}","ts":"${ts}"`;
  }

  openInterest(contractUnits: number, mark: number, ts: number): string {
    return `{"arg":{"channel":"open-interest","instId":"${this.instId}"},"data":[{"instId":"${this.instId}","instType":"SWAP",${this.oiFields(contractUnits, mark, ts)}}]}`;
  }

  markPrice(mark: number, ts: number): string {
    return `{"arg":{"channel":"mark-price","instId":"${this.instId}"},"data":[{"instType":"SWAP","instId":"${this.instId}","markPx":"${this.priceFloat(mark)}","ts":"${ts}"}]}`;
  }

  /** GET /api/v5/public/open-interest?instType=SWAP&instId=… body. */
  restOpenInterest(contractUnits: number, mark: number, ts: number): string {
    return `{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"${this.instId}",${this.oiFields(contractUnits, mark, ts)}}]}`;
  }
}

/** A liquidation-orders push: `items` from {@link OkxFrames.liquidationItem}, one per instrument. */
export function okxLiquidationPush(items: readonly string[]): string {
  return `{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[${items.join(',')}]}`;
}
