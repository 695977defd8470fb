/**
 * OKX sizes are contracts (`sz` of liquidations, trades and book levels); base asset =
 * contracts × `ctVal`. The table below is the one place these values live.
 *
 * Values: OKX `GET /api/v5/public/instruments?instType=SWAP` rows recorded by cryptofeed
 * (bmoscon/cryptofeed:sample_data/OKX.0) — BTC-USDT-SWAP 0.01 BTC, ETH-USDT-SWAP 0.1 ETH,
 * SOL-USDT-SWAP 1 SOL — matching the seed's `OKX_CONTRACT_SIZES`; BTC's 0.01 is confirmed
 * for 2026 by ccxt's recorded trade cost (../shared/VENUES.md sections 3.4 and 3.6). The
 * PoC's other rows (DOGE 100, XRP 100, "anything else 1.0") have no source and are not
 * carried over: an instrument without a known size is counted, never guessed. A
 * `rest.instruments` envelope teaches the table the venue's current `ctVal`s.
 */

import { scaleQty } from '../parse.js';

/** Base units per contract of `<SYMBOL>-USDT-SWAP`, keyed by short symbol. */
export const OKX_CONTRACT_SIZES: Readonly<Record<string, number>> = {
  BTC: 0.01,
  ETH: 0.1,
  SOL: 1,
};

/** A contract value prepared for exact decimal conversion (see {@link scaleQty}). */
export interface ContractSize {
  readonly ctVal: number;
  readonly mul: number;
  readonly div: number;
}

export function contractSize(ctVal: number): ContractSize {
  if (ctVal < 1) {
    const inverse = Math.round(1 / ctVal);
    if (Math.abs(inverse * ctVal - 1) < 1e-9) return { ctVal, mul: 1, div: inverse };
  }
  return { ctVal, mul: ctVal, div: 1 };
}

export function contractsToBase(contracts: number, size: ContractSize): number {
  return scaleQty(contracts, size.mul, size.div);
}

/** The contract sizes one normalizer uses: the table, plus what `rest.instruments` taught it. */
export class ContractSizeTable {
  private readonly sizes = new Map<string, ContractSize>();

  constructor(initial: Readonly<Record<string, number>> = OKX_CONTRACT_SIZES) {
    for (const [symbol, ctVal] of Object.entries(initial)) this.learn(symbol, ctVal);
  }

  get(symbol: string): ContractSize | undefined {
    return this.sizes.get(symbol);
  }

  /** Record a symbol's contract value; false (and nothing recorded) unless it is a positive finite number. */
  learn(symbol: string, ctVal: number): boolean {
    if (!(ctVal > 0 && ctVal < Infinity)) return false;
    const known = this.sizes.get(symbol);
    if (known === undefined || known.ctVal !== ctVal) this.sizes.set(symbol, contractSize(ctVal));
    return true;
  }

  /** Symbol → ctVal, for `/health` and `inspect`. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [symbol, size] of this.sizes) out[symbol] = size.ctVal;
    return out;
  }
}
