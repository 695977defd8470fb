/**
 * Glue shared by the venue adapters: the venues describe REST requests with their
 * envelope channel (`rest.openInterest`, src/venues/types.ts); the REST mechanism names
 * them without the prefix and records results as `rest.<name>`.
 */

import type { RestRequest as ConnectRequest } from '../rest.js';
import type { FrameInfo } from '../socket-spec.js';
import { isObject } from '../../venues/parse.js';
import type { RestRequest as VenueRequest } from '../../venues/types.js';

/** Poll periods (seed "REST Polling"): OI 15 s per symbol and venue, ratios 60 s, OKX instruments hourly. */
export interface PollIntervals {
  readonly openInterestMs: number;
  readonly ratiosMs: number;
  readonly instrumentsMs: number;
}

export const POLL_EVERY: PollIntervals = {
  openInterestMs: 15_000,
  ratiosMs: 60_000,
  instrumentsMs: 60 * 60 * 1000,
};

/** A venue request description → the mechanism's request (`rest.openInterest` → name `openInterest`). */
export function toConnectRequest(request: VenueRequest): ConnectRequest {
  const name = request.channel.startsWith('rest.') ? request.channel.slice(5) : request.channel;
  return request.weight === undefined
    ? { name, path: request.path, query: request.query }
    : { name, path: request.path, query: request.query, weight: request.weight };
}

/** The envelope channel of a REST result: `rest.<name>`. */
export function restChannelOf(name: string): string {
  return `rest.${name}`;
}

/** A frame's JSON object, or undefined with `info.text` saying why it is not one (the classifiers' first step). */
export function parseFrameObject(text: string, info: FrameInfo): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    info.text = 'not JSON (truncated?)';
    return undefined;
  }
  if (!isObject(value)) {
    info.text = 'not a JSON object';
    return undefined;
  }
  return value;
}
