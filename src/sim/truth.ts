/**
 * The hidden truth of a simulated market, written beside the capture as
 * `<out>.truth.json`, so later tools can score calibrator weight recovery and
 * heatmap precision/recall against what really happened.
 */

import type { Venue } from '../events.js';

export const TRUTH_VERSION = 1;

/** One liquidation, whether or not its venue's feed published it. */
export interface TruthLiquidation {
  /** Position id (unique within the run). */
  readonly id: number;
  /** Event time of the liquidation order (ms); the venue message carries it (`o.T`, `T`, `ts`). */
  readonly ts: number;
  readonly symbol: string;
  readonly venue: Venue;
  /** The liquidated position's side. */
  readonly side: 'long' | 'short';
  /** Average fill price of the opening order. */
  readonly entry: number;
  readonly leverage: number;
  /** Where the venue's mark price triggered it: long E·(1 − 1/L + m), short E·(1 + 1/L − m). */
  readonly liqPrice: number;
  /** Base asset. */
  readonly qty: number;
  /** The liquidation order's price as published: the bankruptcy price E·(1 ∓ 1/L). */
  readonly price: number;
  /** Average fill of the liquidation order (Binance `ap`). */
  readonly fill: number;
  /** The venue's mark price when it triggered. */
  readonly mark: number;
  /** When the position opened (before the capture's start for the initial inventory). */
  readonly openTs: number;
  /** False for Binance liquidations its one-per-symbol-per-second snapshot feed did not publish. */
  readonly published: boolean;
}

export interface TierStats {
  count: number;
  /** USD at entry. */
  notional: number;
}

export interface TruthSymbol {
  /** Per tier (keys are tiers as strings): positions in the initial inventory, opened during the run, closed voluntarily, liquidated. */
  readonly tiers: Record<string, { initial: TierStats; opened: TierStats; closed: TierStats; liquidated: TierStats }>;
  /** Reference price (mark without venue basis) per minute: `[open, high, low, close]`. */
  readonly ohlc: [number, number, number, number][];
  /** Open interest (one side, base asset) per venue at every minute boundary: minutes + 1 values, index 0 = start. */
  readonly oi: Partial<Record<Venue, number[]>>;
  /** Part of `oi` that is not modelled as positions (constant). */
  readonly oiBaseline: Partial<Record<Venue, number>>;
  /** Base asset opened and voluntarily closed per venue per minute (liquidated amounts are in `liquidations`). */
  readonly opened: Partial<Record<Venue, number[]>>;
  readonly closed: Partial<Record<Venue, number[]>>;
}

/** A venue's book for one symbol at the end, as its last published message left it (base-asset sizes). */
export interface TruthBook {
  /** Binance `u` of the last diff, Bybit `u`, OKX `seqId`. */
  readonly lastUpdateId: number;
  /** Levels best first: `[price, qty]`. Bybit: the top 50 view; OKX: the top 400 view. */
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

export interface SimTruth {
  readonly moonstream: 'sim-truth';
  readonly version: number;
  readonly seed: number;
  readonly minutes: number;
  readonly start: number;
  readonly end: number;
  readonly symbols: readonly string[];
  readonly venues: readonly Venue[];
  readonly profile: string;
  /** The true maintenance margin rate m per symbol. */
  readonly maintenanceMargin: Record<string, number>;
  readonly liqPriceFormula: string;
  /** Share of opened notional per tier (keys tiers as strings, sum 1 per symbol). */
  readonly leverageMix: Record<string, Record<string, number>>;
  readonly venueShares: Partial<Record<Venue, number>>;
  /** OKX base asset per contract. */
  readonly contractSize: Record<string, number>;
  readonly params: Record<string, unknown>;
  readonly perSymbol: Record<string, TruthSymbol>;
  readonly books: Partial<Record<Venue, Record<string, TruthBook>>>;
  readonly liquidations: TruthLiquidation[];
}

/**
 * Compact JSON: one line per liquidation and per array row, so the file diffs and
 * greps well, without the bulk of full indentation.
 */
export function formatTruth(truth: SimTruth): string {
  const { liquidations, perSymbol, books, ...head } = truth;
  const lines: string[] = ['{'];
  const headEntries = Object.entries(head);
  for (const [key, value] of headEntries) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  lines.push('  "perSymbol": {');
  const symbols = Object.entries(perSymbol);
  symbols.forEach(([symbol, s], i) => {
    lines.push(`    ${JSON.stringify(symbol)}: {`);
    lines.push(`      "tiers": ${JSON.stringify(s.tiers)},`);
    lines.push(`      "oiBaseline": ${JSON.stringify(s.oiBaseline)},`);
    lines.push(`      "ohlc": [`);
    lines.push(s.ohlc.map((r) => `        ${JSON.stringify(r)}`).join(',\n'));
    lines.push('      ],');
    for (const key of ['oi', 'opened', 'closed'] as const) {
      const entries = Object.entries(s[key]);
      lines.push(`      ${JSON.stringify(key)}: {`);
      lines.push(entries.map(([v, values]) => `        ${JSON.stringify(v)}: ${JSON.stringify(values)}`).join(',\n'));
      lines.push(key === 'closed' ? '      }' : '      },');
    }
    lines.push(i === symbols.length - 1 ? '    }' : '    },');
  });
  lines.push('  },');
  lines.push('  "books": {');
  const venues = Object.entries(books);
  venues.forEach(([venue, bySymbol], i) => {
    lines.push(`    ${JSON.stringify(venue)}: {`);
    const entries = Object.entries(bySymbol ?? {});
    lines.push(entries.map(([symbol, book]) => `      ${JSON.stringify(symbol)}: ${JSON.stringify(book)}`).join(',\n'));
    lines.push(i === venues.length - 1 ? '    }' : '    },');
  });
  lines.push('  },');
  lines.push('  "liquidations": [');
  lines.push(liquidations.map((l) => `    ${JSON.stringify(l)}`).join(',\n'));
  lines.push('  ]');
  lines.push('}');
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

/** Where the truth of a capture goes: `<out>.truth.json`. */
export function truthPathFor(out: string): string {
  return `${out}.truth.json`;
}
