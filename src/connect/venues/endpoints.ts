/**
 * Where `live` connects: one URL per venue connection and REST base, the venues' own by
 * default (src/venues/<venue>/connection.ts), any of them overridable with
 * `--endpoint venue.channel=URL` (proxies, testnets, the loopback venues of `--demo`).
 *
 *   binance.public  wss://fstream.binance.com/public   depth, bookTicker (combined streams under /stream)
 *   binance.market  wss://fstream.binance.com/market   aggTrade, markPrice, !forceOrder@arr
 *   binance.rest    https://fapi.binance.com
 *   bybit.public    wss://stream.bybit.com/v5/public/linear
 *   bybit.rest      https://api.bybit.com
 *   okx.public      wss://ws.okx.com:8443/ws/v5/public
 *   okx.rest        https://www.okx.com
 */

import { MoonstreamError } from '../../errors.js';
import type { Venue } from '../../events.js';
import { BINANCE_REST_BASE, BINANCE_WS_MARKET, BINANCE_WS_PUBLIC } from '../../venues/binance/connection.js';
import { BYBIT_REST_BASE, BYBIT_WS_LINEAR } from '../../venues/bybit/connection.js';
import { OKX_REST_BASE, OKX_WS_PUBLIC } from '../../venues/okx/connection.js';

export interface Endpoints {
  readonly binance: { readonly public: string; readonly market: string; readonly rest: string };
  readonly bybit: { readonly public: string; readonly rest: string };
  readonly okx: { readonly public: string; readonly rest: string };
}

/** Every endpoint name and whether it is a WebSocket or a REST base. */
export const ENDPOINT_KINDS: Readonly<Record<string, 'ws' | 'rest'>> = {
  'binance.public': 'ws',
  'binance.market': 'ws',
  'binance.rest': 'rest',
  'bybit.public': 'ws',
  'bybit.rest': 'rest',
  'okx.public': 'ws',
  'okx.rest': 'rest',
};

export function defaultEndpoints(): Endpoints {
  return {
    binance: { public: BINANCE_WS_PUBLIC, market: BINANCE_WS_MARKET, rest: BINANCE_REST_BASE },
    bybit: { public: BYBIT_WS_LINEAR, rest: BYBIT_REST_BASE },
    okx: { public: OKX_WS_PUBLIC, rest: OKX_REST_BASE },
  };
}

export interface EndpointOverride {
  /** `binance.market` */
  readonly name: string;
  readonly venue: Venue;
  readonly channel: string;
  readonly url: string;
}

/**
 * `binance.market=ws://127.0.0.1:9000/market` → an override; anything else is a USAGE
 * error naming what is wrong and listing the endpoint names.
 */
export function parseEndpointOverride(text: string): EndpointOverride {
  const eq = text.indexOf('=');
  if (eq <= 0) throw usage(`--endpoint "${text}": expected venue.channel=URL, e.g. binance.market=wss://fstream.binance.com/market`);
  const name = text.slice(0, eq).trim().toLowerCase();
  const url = text.slice(eq + 1).trim();
  const kind = ENDPOINT_KINDS[name];
  if (kind === undefined) throw usage(`--endpoint "${text}": unknown endpoint "${name}" (known: ${Object.keys(ENDPOINT_KINDS).join(', ')})`);
  checkUrl(name, url, kind);
  const dot = name.indexOf('.');
  return { name, venue: name.slice(0, dot) as Venue, channel: name.slice(dot + 1), url };
}

/** The endpoints with the overrides applied, later overrides winning. */
export function withOverrides(base: Endpoints, overrides: readonly EndpointOverride[]): Endpoints {
  const out = { binance: { ...base.binance }, bybit: { ...base.bybit }, okx: { ...base.okx } };
  for (const o of overrides) (out[o.venue] as Record<string, string>)[o.channel] = o.url;
  for (const [name, kind] of Object.entries(ENDPOINT_KINDS)) checkUrl(name, endpointOf(out, name), kind);
  return out;
}

/** The URL of `binance.market` etc. */
export function endpointOf(endpoints: Endpoints, name: string): string {
  const dot = name.indexOf('.');
  const venue = endpoints[name.slice(0, dot) as Venue] as Record<string, string> | undefined;
  const url = venue?.[name.slice(dot + 1)];
  if (url === undefined) throw new RangeError(`no endpoint "${name}"`);
  return url;
}

function checkUrl(name: string, url: string, kind: 'ws' | 'rest'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--endpoint ${name}: "${url}" is not a URL`);
  }
  const allowed = kind === 'ws' ? ['ws:', 'wss:'] : ['http:', 'https:'];
  if (!allowed.includes(parsed.protocol)) {
    throw usage(`--endpoint ${name}: "${url}" must be a ${kind === 'ws' ? 'ws:// or wss://' : 'http:// or https://'} URL`);
  }
  // The retired Binance paths complete the handshake and then send nothing (VENUES.md 1.1).
  if (parsed.hostname === 'fstream.binance.com' && kind === 'ws' && !/^\/(public|market)(\/|$)/.test(parsed.pathname)) {
    throw usage(
      `--endpoint ${name}: "${url}" is Binance's retired stream path (silent since 2026-04-23); use wss://fstream.binance.com/public or /market`,
    );
  }
}

function usage(message: string): MoonstreamError {
  return new MoonstreamError('USAGE', message);
}
