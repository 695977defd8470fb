/**
 * OKX's historical order-book checksum (VENUES.md 3.3). Deprecated: OKX now sends 0
 * and says to use `seqId`/`prevSeqId`; archived data still carries real values.
 *
 * Rule (ccxt/ccxt#30156, OKX's v3 docs): over the top 25 levels of each side of the book
 * AFTER applying the message, alternate bid and ask levels (bid1, ask1, bid2, ask2, …;
 * when one side runs out the other continues), each as `price:size` with the raw
 * strings, all joined with ":"; the checksum is the CRC-32 of that string as a SIGNED
 * 32-bit integer. Sizes are contracts as published, so the base-asset quantities of our
 * book are divided by the contract value again.
 *
 * Our book holds numbers, not the raw strings: a number is printed in its shortest
 * round-trip form, which is OKX's own form (OKX strips trailing zeros: "8477", "8475.3").
 */

import { crc32SignedOfString } from '../../util/crc32.js';
import type { BookView } from './price-book.js';

export const OKX_CHECKSUM_DEPTH = 25;

/** The string OKX's checksum is computed over. */
export function okxChecksumString(book: BookView, contractValue: number, depth = OKX_CHECKSUM_DEPTH): string {
  const bidPrices = new Float64Array(depth);
  const bidQtys = new Float64Array(depth);
  const askPrices = new Float64Array(depth);
  const askQtys = new Float64Array(depth);
  const nb = book.bids.top(depth, bidPrices, bidQtys);
  const na = book.asks.top(depth, askPrices, askQtys);
  const parts: string[] = [];
  for (let i = 0; i < Math.max(nb, na); i++) {
    if (i < nb) parts.push(plainDecimal(bidPrices[i]!), plainDecimal(bidQtys[i]! / contractValue));
    if (i < na) parts.push(plainDecimal(askPrices[i]!), plainDecimal(askQtys[i]! / contractValue));
  }
  return parts.join(':');
}

/** OKX's signed CRC-32 of the book's top 25 levels a side. */
export function okxChecksum(book: BookView, contractValue: number): number {
  return crc32SignedOfString(okxChecksumString(book, contractValue));
}

/**
 * A number as a plain decimal without float noise or exponent: 0.31999999999999995 → "0.32",
 * 415 → "415", 1e-7 → "0.0000001".
 */
export function plainDecimal(x: number): string {
  const rounded = Number(x.toPrecision(12));
  const text = String(rounded);
  if (!text.includes('e')) return text;
  return rounded.toFixed(20).replace(/\.?0+$/, '');
}
