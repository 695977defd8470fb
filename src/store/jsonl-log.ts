/**
 * Append-only JSON-lines log with rotation by size and by age (seed: 200 MB / 24 h).
 *
 * Age is measured in the caller's time (event time in the pipeline), so a replay
 * rotates exactly where the live run did. A rotated file is renamed
 * `<base>.<YYYYmmdd_HHMM>.jsonl` (UTC of the rotation time); readers list them with
 * {@link rotatedFiles}. Lines are buffered and written on `flush()` (the pipeline
 * flushes at every minute rollover) or when the buffer passes `bufferBytes`.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileQueue } from './file-queue.js';

export const LOG_ROTATION_MAX_MB = 200;
export const LOG_ROTATION_MAX_AGE_HOURS = 24;

export interface JsonlLogOptions {
  /** Rotate before a write would take the file past this size (default 200 MB). */
  readonly maxBytes?: number;
  /** Rotate when the file's first line is older than this (default 24 h). */
  readonly maxAgeMs?: number;
  /** Write through once this many bytes are buffered (default 64 KiB; 0 = every line). */
  readonly bufferBytes?: number;
  /**
   * Write through this queue, off the event loop and in order (live). Opening the file
   * and renaming it at a rotation stay synchronous: once per file and per rotation.
   */
  readonly queue?: FileQueue;
}

export class JsonlLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly bufferBytes: number;
  private readonly queue: FileQueue | undefined;
  private fd: number | undefined;
  private size = 0;
  private startedAt: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private rotations = 0;
  private lines = 0;

  constructor(file: string, options: JsonlLogOptions = {}) {
    this.file = file;
    this.maxBytes = options.maxBytes ?? LOG_ROTATION_MAX_MB * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? LOG_ROTATION_MAX_AGE_HOURS * 3_600_000;
    this.bufferBytes = options.bufferBytes ?? 64 * 1024;
    this.queue = options.queue;
  }

  /** Append one record. `now` is the record's time (event time), used for age rotation. */
  append(record: unknown, now: number): void {
    const line = `${JSON.stringify(record)}\n`;
    const bytes = Buffer.byteLength(line);
    this.open(now);
    const projected = this.size + this.pendingBytes + bytes;
    const tooOld = this.startedAt !== undefined && now - this.startedAt >= this.maxAgeMs;
    if ((projected > this.maxBytes && this.size + this.pendingBytes > 0) || tooOld) this.rotate(now);
    if (this.startedAt === undefined) this.startedAt = now;
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.lines++;
    if (this.pendingBytes >= this.bufferBytes) this.flush();
  }

  /** Write buffered lines to the file. */
  flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = this.pending.join('');
    if (this.queue) this.queue.append(this.file, this.fd, text);
    else fs.writeSync(this.fd, text);
    this.size += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flush();
    this.closeFd();
  }

  get stats(): { readonly lines: number; readonly rotations: number; readonly bytes: number } {
    return { lines: this.lines, rotations: this.rotations, bytes: this.size + this.pendingBytes };
  }

  private open(now: number): void {
    if (this.fd !== undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, 'a');
    this.size = fs.fstatSync(this.fd).size;
    this.startedAt = this.size > 0 ? (firstLineTime(this.file) ?? now) : undefined;
  }

  /** Close the file (through the queue: after the lines queued before). */
  private closeFd(): void {
    if (this.fd === undefined) return;
    if (this.queue) this.queue.close(this.file, this.fd);
    else fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(now: number): void {
    this.flush();
    // lines still queued reach the renamed file through their descriptor
    this.closeFd();
    if (this.size > 0) fs.renameSync(this.file, uniqueName(rotatedName(this.file, now)));
    this.rotations++;
    this.fd = fs.openSync(this.file, 'a');
    this.size = 0;
    this.startedAt = undefined;
  }
}

/** `<dir>/<base>.<YYYYmmdd_HHMM>.jsonl` for a log file `<dir>/<base>.jsonl`. */
export function rotatedName(file: string, at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${stamp}${ext}`;
}

/** The rotated files of a log, oldest first, then the live file if it exists. */
export function rotatedFiles(file: string): string[] {
  const dir = path.dirname(file);
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.\\d{8}_\\d{4}(?:-\\d+)?${escapeRegExp(ext)}$`);
  const rotated = names.filter((n) => pattern.test(n)).sort();
  const all = rotated.map((n) => path.join(dir, n));
  if (names.includes(path.basename(file))) all.push(file);
  return all;
}

function uniqueName(candidate: string): string {
  if (!fs.existsSync(candidate)) return candidate;
  const ext = path.extname(candidate);
  const stem = candidate.slice(0, candidate.length - ext.length);
  for (let n = 1; ; n++) {
    const next = `${stem}-${n}${ext}`;
    if (!fs.existsSync(next)) return next;
  }
}

function firstLineTime(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    const record = JSON.parse(end >= 0 ? text.slice(0, end) : text) as { ts?: unknown };
    return typeof record.ts === 'number' ? record.ts : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
