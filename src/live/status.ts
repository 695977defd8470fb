/**
 * One status line per venue for the terminal, until the dashboard exists:
 *
 *   binance  2/2 open · 152 msg/s · last 0.1 s ago · 0 reconnects · OI 3/3 · books 3/3 synced
 *   okx      0/1 open (reconnecting) · 0 msg/s · last 12 s ago · 3 reconnects · OI 0/3 · books 0/3 synced · okx.public: closed by the venue (code 1006)
 *   disk     3.2 MiB waiting to be written (peak 3.4 MiB) · 2 write failures      (only when behind or failing)
 *
 * Pure: it reads a `LiveStatus`; the command prints it every 5 s.
 */

import type { Venue } from '../events.js';
import type { LiveStatus } from './live.js';

export function formatStatusLines(status: LiveStatus): string[] {
  const width = Math.max(...status.venues.map((v) => v.length));
  const lines = status.venues.map((venue) => formatVenue(status, venue, width));
  const disk = formatDisk(status);
  if (disk !== undefined) lines.push(`${'disk'.padEnd(width)}  ${disk}`);
  return lines;
}

/** Writes waiting below which the disk is keeping up and says nothing. */
const DISK_BEHIND_BYTES = 1024 * 1024;

/** A line about the data-dir writes only when the disk falls behind or writes were lost. */
function formatDisk(status: LiveStatus): string | undefined {
  const q = status.writeQueue;
  if (q === undefined) return undefined;
  if (q.pendingBytes < DISK_BEHIND_BYTES && q.refused === 0 && status.sinkErrors === 0) return undefined;
  const parts = [`${mebibytes(q.pendingBytes)} waiting to be written (peak ${mebibytes(q.peakPendingBytes)})`];
  if (q.refused > 0) parts.push(`${q.refused} writes refused (${mebibytes(q.refusedBytes)}): the disk is too slow`);
  if (status.sinkErrors > 0) parts.push(`${status.sinkErrors} write failure${status.sinkErrors === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function formatVenue(status: LiveStatus, venue: Venue, width: number): string {
  const connections = status.connections.filter((c) => c.venue === venue);
  const open = connections.filter((c) => c.state === 'open').length;
  const notOpen = [...new Set(connections.filter((c) => c.state !== 'open').map((c) => c.state))];
  const rate = connections.reduce((sum, c) => sum + c.messagesPerSecond, 0);
  const ages = connections.map((c) => c.lastMessageAgeMs).filter((a): a is number => a !== undefined);
  const reconnects = connections.reduce((sum, c) => sum + c.reconnects, 0);
  const oiPolls = status.rest.polls.filter((p) => p.venue === venue && p.name === 'openInterest');
  const oiOk = oiPolls.filter((p) => p.lastOkAt !== undefined && p.consecutiveFailures === 0).length;
  const books = Object.values(status.books).map((b) => b[venue]);
  const synced = books.filter((b) => b?.synced === true).length;
  const parts = [
    `${open}/${connections.length} open${notOpen.length > 0 ? ` (${notOpen.join(', ')})` : ''}`,
    `${rate < 10 ? rate.toFixed(1) : Math.round(rate)} msg/s`,
    ages.length === 0 ? 'no message yet' : `last ${seconds(Math.max(...ages))} ago`,
    `${reconnects} reconnect${reconnects === 1 ? '' : 's'}`,
    `OI ${oiOk}/${oiPolls.length}`,
    `books ${synced}/${status.symbols.length} synced`,
  ];
  const problem = latestProblem(status, venue);
  if (problem !== undefined) parts.push(problem);
  return `${venue.padEnd(width)}  ${parts.join(' · ')}`;
}

/** The newest error of the venue's connections and REST client, within the last 5 minutes. */
function latestProblem(status: LiveStatus, venue: Venue): string | undefined {
  let best: { at: number; message: string } | undefined;
  for (const c of status.connections) if (c.venue === venue && c.lastError && (!best || c.lastError.at > best.at)) best = c.lastError;
  const rest = status.rest.venues.find((v) => v.venue === venue)?.lastError;
  if (rest && (!best || rest.at > best.at)) best = rest;
  if (best === undefined || status.at - best.at > 5 * 60_000) return undefined;
  const text = best.message.length > 140 ? `${best.message.slice(0, 140)}…` : best.message;
  return `${text} (${seconds(status.at - best.at)} ago)`;
}

function seconds(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
