/**
 * What every venue normalizer shares: dispatch by channel to a cached handler, frames
 * of unknown channels handed to the venue's control recognizer, and the guarantee that
 * a handler that throws leaves no half-made events behind and is counted, never thrown.
 */

import type { NormalizedEvent, Venue } from '../events.js';
import type { DropReason, EnvelopeMeta, NormalizerCounters, VenueNormalizer } from './types.js';

export type ChannelHandler = (payload: unknown, meta: EnvelopeMeta, out: NormalizedEvent[]) => void;

export abstract class ChannelNormalizer implements VenueNormalizer {
  abstract readonly venue: Venue;
  /** Known channels only (unknown ones are never cached), so the map stays small. */
  private readonly handlers = new Map<string, ChannelHandler>();

  constructor(protected readonly counters: NormalizerCounters) {}

  normalize(channel: string, payload: unknown, meta: EnvelopeMeta, out: NormalizedEvent[]): void {
    const start = out.length;
    try {
      let handler = this.handlers.get(channel);
      if (handler === undefined) {
        handler = this.handlerFor(channel);
        if (handler === undefined) {
          this.unknownChannel(channel, payload);
          return;
        }
        this.handlers.set(channel, handler);
      }
      handler(payload, meta, out);
    } catch {
      out.length = start;
      this.drop('internal_error');
    }
  }

  /** The handler of a channel this venue publishes, or undefined. */
  protected abstract handlerFor(channel: string): ChannelHandler | undefined;

  /** A frame on a channel without a handler: a control frame (counted as such) or a drop. */
  protected abstract unknownChannel(channel: string, payload: unknown): void;

  protected drop(reason: DropReason, count = 1): void {
    if (count > 0) this.counters.drop(this.venue, reason, count);
  }
}
