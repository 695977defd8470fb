/**
 * The venue adapters: each venue's connection facts (src/venues/<venue>/connection.ts)
 * as the connection layer's specs — sockets, REST venue spec, periodic polls — and how a
 * book of that venue resyncs. `live` builds one `VenueConnections` per venue it follows.
 */

import { assertNever, type Venue } from '../../events.js';
import type { PollSpec, RestRequest, RestVenueSpec } from '../rest.js';
import type { SocketSpec, SubscribeRequest } from '../socket-spec.js';
import { binanceDepthSnapshot, binancePolls, binanceRestSpec, binanceSocketSpecs } from './binance.js';
import { bybitBookResubscribe, bybitPolls, bybitRestSpec, bybitSocketSpec } from './bybit.js';
import { POLL_EVERY, type PollIntervals } from './common.js';
import type { Endpoints } from './endpoints.js';
import { okxBookResubscribe, okxPolls, okxRestSpec, okxSocketSpec } from './okx.js';

/** How a book of the venue gets a fresh snapshot. */
export type BookResyncPlan =
  /** Binance: fetch a REST depth snapshot (the book buffers diffs meanwhile). */
  | { readonly kind: 'snapshot'; readonly socket: string; readonly request: (symbol: string) => RestRequest }
  /** Bybit, OKX: resubscribe the book topic on `socket`; the first push is a snapshot. */
  | { readonly kind: 'resubscribe'; readonly socket: string; readonly requests: (symbol: string, sequence: number) => SubscribeRequest[] };

export interface VenueConnections {
  readonly venue: Venue;
  readonly sockets: readonly SocketSpec[];
  readonly rest: RestVenueSpec;
  readonly polls: readonly PollSpec[];
  readonly bookResync: BookResyncPlan;
}

export interface VenueConnectionOptions {
  readonly symbols: readonly string[];
  readonly endpoints: Endpoints;
  /** Binance bookTicker (default false). */
  readonly bookTicker?: boolean;
  /** Poll periods (default 15 s / 60 s / 1 h). */
  readonly pollEvery?: PollIntervals;
  /** Binance planned rotation (default 23.5 h); tests accelerate it. */
  readonly rotateEveryMs?: number;
}

export function venueConnections(venue: Venue, options: VenueConnectionOptions): VenueConnections {
  const { symbols, endpoints } = options;
  const every = options.pollEvery ?? POLL_EVERY;
  switch (venue) {
    case 'binance':
      return {
        venue,
        sockets: binanceSocketSpecs({
          symbols,
          publicUrl: endpoints.binance.public,
          marketUrl: endpoints.binance.market,
          ...(options.bookTicker !== undefined ? { bookTicker: options.bookTicker } : {}),
          ...(options.rotateEveryMs !== undefined ? { rotateEveryMs: options.rotateEveryMs } : {}),
        }),
        rest: binanceRestSpec(endpoints.binance.rest),
        polls: binancePolls(symbols, every),
        bookResync: { kind: 'snapshot', socket: 'binance.public', request: binanceDepthSnapshot },
      };
    case 'bybit':
      return {
        venue,
        sockets: [bybitSocketSpec({ symbols, url: endpoints.bybit.public })],
        rest: bybitRestSpec(endpoints.bybit.rest),
        polls: bybitPolls(symbols, every),
        bookResync: { kind: 'resubscribe', socket: 'bybit.public', requests: bybitBookResubscribe },
      };
    case 'okx':
      return {
        venue,
        sockets: [okxSocketSpec({ symbols, url: endpoints.okx.public })],
        rest: okxRestSpec(endpoints.okx.rest),
        polls: okxPolls(symbols, every),
        bookResync: { kind: 'resubscribe', socket: 'okx.public', requests: okxBookResubscribe },
      };
    default:
      return assertNever(venue, 'venue');
  }
}

export { POLL_EVERY, restChannelOf, toConnectRequest, type PollIntervals } from './common.js';
export { defaultEndpoints, endpointOf, ENDPOINT_KINDS, parseEndpointOverride, withOverrides, type EndpointOverride, type Endpoints } from './endpoints.js';
export { BINANCE_ROTATE_EVERY_MS, BINANCE_WEIGHT_BUDGET, binanceClassifier, binanceOrderKey } from './binance.js';
export { bybitClassifier } from './bybit.js';
export { okxClassifier, okxOrderKey } from './okx.js';
