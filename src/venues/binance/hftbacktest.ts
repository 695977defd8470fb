/**
 * Binance recordings in hftbacktest's text format (`<receive ns> <raw JSON>` per line;
 * the real capture beside the repository uses it): each frame becomes the envelope a
 * moonstream recorder would have written. Combined-stream frames keep their wrapper;
 * a REST depth body (it carries no symbol) takes the symbol of the streams around it.
 */

import type { Envelope } from '../../capture/envelope.js';

export class HftbacktestFrames {
  private lastStreamSymbol: string | undefined;

  /** The envelope for one parsed frame received at `t` (ms), or a reason it is none. */
  toEnvelope(t: number, frame: unknown): Envelope | string {
    if (typeof frame !== 'object' || frame === null) return 'expected a JSON object';
    const f = frame as { stream?: unknown; lastUpdateId?: unknown };
    if (typeof f.stream === 'string') {
      const at = f.stream.indexOf('@');
      if (at <= 0) return `stream name "${f.stream}" has no "@"`;
      this.lastStreamSymbol = f.stream.slice(0, at).toUpperCase();
      return { t, v: 'binance', c: f.stream.slice(at + 1), d: frame };
    }
    if (typeof f.lastUpdateId === 'number') {
      const q: Record<string, string | number> = this.lastStreamSymbol
        ? { symbol: this.lastStreamSymbol, limit: 1000 }
        : { limit: 1000 };
      return { t, v: 'binance', c: 'rest.depthSnapshot', d: frame, q };
    }
    return 'neither a combined-stream frame nor a REST depth body';
  }
}
