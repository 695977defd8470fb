/**
 * Option parsers shared by the subcommands. Each throws commander's
 * InvalidArgumentError, which the program reports with the usage and exit code 2.
 */

import { InvalidArgumentError } from 'commander';
import { VENUES, isVenue, type Venue } from '../events.js';

/** `BTC,eth, SOL` → `['BTC','ETH','SOL']`; `BTCUSDT` is accepted as BTC. */
export function parseSymbols(value: string): string[] {
  const symbols = value
    .split(',')
    .map((s) => s.trim().toUpperCase().replace(/-USDT-SWAP$|USDT$/, ''))
    .filter(Boolean);
  if (symbols.length === 0) throw new InvalidArgumentError('expected a comma-separated list of symbols, e.g. BTC,ETH,SOL');
  for (const s of symbols) {
    if (!/^[A-Z0-9]{1,20}$/.test(s)) throw new InvalidArgumentError(`"${s}" is not a symbol (expected e.g. BTC)`);
  }
  return [...new Set(symbols)];
}

export function parseVenues(value: string): Venue[] {
  const venues = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (venues.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of venues from ${VENUES.join(', ')}`);
  for (const v of venues) {
    if (!isVenue(v)) throw new InvalidArgumentError(`unknown venue "${v}" (known: ${VENUES.join(', ')})`);
  }
  return [...new Set(venues as Venue[])];
}

export function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a whole number > 0, got "${value}"`);
  return n;
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0…65535, got "${value}"`);
  return n;
}

/** An ISO 8601 time (`2026-11-23T12:00Z`, `2026-11-23`) or epoch ms → epoch ms. */
export function parseTime(value: string): number {
  const trimmed = value.trim();
  if (/^\d{12,14}$/.test(trimmed)) return Number(trimmed);
  const ms = Date.parse(trimmed);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`expected an ISO time such as 2026-11-23T12:00:00Z, got "${value}"`);
  return ms;
}

export function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** Repeatable option: collects values into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
