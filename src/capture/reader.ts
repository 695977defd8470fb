/**
 * Streaming capture reader: plain or gzip (by `.gz` extension), memory flat in file
 * size. Yields envelopes in file order, in batches (one per decoded chunk) so that the
 * per-line cost stays close to split + JSON.parse.
 *
 * Malformed lines (not JSON, missing `t`/`v`/`c`/`d`, non-numeric `t`) are reported
 * with their line numbers and skipped; with `strict` the first one is an error naming
 * the line. A torn last line (a writer killed mid-line, or a truncated gzip stream)
 * is reported, never fatal.
 *
 * Besides the moonstream format, the reader accepts the `<receive ns> <raw JSON>`
 * lines of Binance recordings published with hftbacktest (the real capture in
 * ../shared/data uses it): each becomes a `binance` envelope.
 */

import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as zlib from 'node:zlib';
import { MoonstreamError } from '../errors.js';
import { HftbacktestFrames } from '../venues/binance/hftbacktest.js';
import { envelopeProblem, isCaptureHeader, type CaptureHeader, type Envelope } from './envelope.js';

export interface MalformedLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  /** The line's first 120 characters. */
  readonly excerpt: string;
}

export interface CaptureReadOptions {
  /** Stop at the first malformed line with an error naming it (default false). */
  readonly strict?: boolean;
  /** Called for every malformed line (they are also counted in `stats`). */
  readonly onMalformed?: (problem: MalformedLine) => void;
  /** Read size in bytes (default 1 MiB). */
  readonly chunkSize?: number;
}

export type CaptureFormat = 'moonstream' | 'hftbacktest';

export interface CaptureStats {
  /** Lines seen so far, including header and blank lines. */
  lines: number;
  envelopes: number;
  malformed: number;
  /** The first malformed lines (at most 20), for summaries. */
  readonly malformedSamples: MalformedLine[];
  /** Bytes of the file read so far (compressed bytes for gzip). */
  bytesRead: number;
  readonly totalBytes: number;
  header: CaptureHeader | undefined;
  format: CaptureFormat | undefined;
  /** A last line cut short by a crash, or a gzip stream that ends early. */
  tornTail: { readonly line: number; readonly reason: string } | undefined;
}

const MAX_SAMPLES = 20;

/** The start of an hftbacktest line: a nanosecond receive time, a space, a JSON object or array. */
const HFTBACKTEST_LINE = /^\d{10,} [{[]/;

export class CaptureReader implements AsyncIterable<Envelope[]> {
  readonly file: string;
  readonly stats: CaptureStats;
  private readonly options: CaptureReadOptions;
  private consumed = false;

  constructor(file: string, options: CaptureReadOptions = {}) {
    let size: number;
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) throw new MoonstreamError('FILE_UNREADABLE', `${file}: not a file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof MoonstreamError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new MoonstreamError('FILE_NOT_FOUND', `${file}: no such file`);
      throw new MoonstreamError('FILE_UNREADABLE', `${file}: cannot read (${code ?? String(error)})`);
    }
    this.file = file;
    this.options = options;
    this.stats = {
      lines: 0,
      envelopes: 0,
      malformed: 0,
      malformedSamples: [],
      bytesRead: 0,
      totalBytes: size,
      header: undefined,
      format: undefined,
      tornTail: undefined,
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Envelope[]> {
    if (this.consumed) throw new Error('a CaptureReader can be iterated once');
    this.consumed = true;
    const gzip = this.file.endsWith('.gz');
    const source = fs.createReadStream(this.file, { highWaterMark: this.options.chunkSize ?? 1 << 20 });
    const stream = gzip ? source.pipe(zlib.createGunzip({ chunkSize: 256 * 1024 })) : source;
    if (gzip) source.on('error', (error) => stream.destroy(error));
    const decoder = new StringDecoder('utf8');
    const parser = new LineParser(this.file, this.stats, this.options);
    let rest = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        this.stats.bytesRead = source.bytesRead;
        const text = rest + decoder.write(chunk);
        const end = text.lastIndexOf('\n');
        if (end < 0) {
          rest = text;
          continue;
        }
        rest = text.slice(end + 1);
        const batch = parser.parseLines(text, end);
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      if (error instanceof MoonstreamError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (gzip && code === 'Z_BUF_ERROR') {
        // the gzip stream ends early: whatever decoded is kept, the tail is torn
        this.stats.bytesRead = source.bytesRead;
        const tail = rest + decoder.end();
        this.stats.tornTail = { line: this.stats.lines + 1, reason: 'gzip stream ends early (truncated file)' };
        if (tail.includes('\n')) {
          const batch = parser.parseLines(tail, tail.lastIndexOf('\n'));
          if (batch.length > 0) yield batch;
        }
        return;
      }
      if (gzip && (code === 'Z_DATA_ERROR' || code === 'Z_STREAM_ERROR')) {
        throw new MoonstreamError('FILE_UNREADABLE', `${this.file}: not a readable gzip file (${(error as Error).message})`);
      }
      throw new MoonstreamError('FILE_UNREADABLE', `${this.file}: read failed (${(error as Error).message})`, { cause: error });
    } finally {
      source.destroy();
    }
    this.stats.bytesRead = this.stats.totalBytes;
    const tail = rest + decoder.end();
    if (tail.trim() !== '') {
      const batch = parser.parseLastLine(tail);
      if (batch.length > 0) yield batch;
    }
  }
}

/** Open a capture for streaming. Throws FILE_NOT_FOUND / FILE_UNREADABLE at once. */
export function openCapture(file: string, options: CaptureReadOptions = {}): CaptureReader {
  return new CaptureReader(file, options);
}

/** Every envelope of a capture, one at a time. */
export async function* envelopesOf(reader: AsyncIterable<Envelope[]>): AsyncGenerator<Envelope> {
  for await (const batch of reader) yield* batch;
}

/** Read a whole (small) capture into memory: tests and fixtures. */
export async function readAllEnvelopes(file: string, options: CaptureReadOptions = {}): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const batch of openCapture(file, options)) out.push(...batch);
  return out;
}

class LineParser {
  private readonly hftbacktest = new HftbacktestFrames();

  constructor(
    private readonly file: string,
    private readonly stats: CaptureStats,
    private readonly options: CaptureReadOptions,
  ) {}

  /** Parse the complete lines of `text[0, end)` (end is the index of the last newline). */
  parseLines(text: string, end: number): Envelope[] {
    const batch: Envelope[] = [];
    let start = 0;
    while (start <= end) {
      let nl = text.indexOf('\n', start);
      if (nl < 0 || nl > end) nl = end;
      this.parseLine(text, start, nl, batch, false);
      start = nl + 1;
    }
    return batch;
  }

  /** The final line of the file, without a newline: torn if it does not parse. */
  parseLastLine(text: string): Envelope[] {
    const batch: Envelope[] = [];
    this.parseLine(text, 0, text.length, batch, true);
    return batch;
  }

  private parseLine(text: string, start: number, end: number, batch: Envelope[], last: boolean): void {
    const lineNo = ++this.stats.lines;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // CRLF
    if (end <= start) return;
    if (this.stats.format === undefined && HFTBACKTEST_LINE.test(text.slice(start, Math.min(end, start + 32)))) this.stats.format = 'hftbacktest';
    if (this.stats.format === 'hftbacktest') {
      this.parseHftbacktestLine(text, start, end, lineNo, batch, last);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, end));
    } catch (error) {
      this.bad(text, start, end, lineNo, `not JSON (${(error as Error).message})`, last);
      return;
    }
    if (this.stats.format === undefined) {
      // the format is the first line's that matches one; lines before it are malformed
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        this.bad(text, start, end, lineNo, 'neither a JSON envelope nor "<ns timestamp> <json>"', last);
        return;
      }
      this.stats.format = 'moonstream';
    }
    const problem = envelopeProblem(value);
    if (problem === undefined) {
      batch.push(value as Envelope);
      this.stats.envelopes++;
      return;
    }
    if (this.stats.envelopes === 0 && this.stats.header === undefined && isCaptureHeader(value)) {
      this.stats.header = value;
      return;
    }
    this.bad(text, start, end, lineNo, problem, last);
  }

  /** `<receive time in ns> <raw JSON>`: combined-stream frames, plus REST depth bodies. */
  private parseHftbacktestLine(text: string, start: number, end: number, lineNo: number, batch: Envelope[], last: boolean): void {
    const space = text.indexOf(' ', start);
    if (space < 0 || space >= end || space - start < 7) {
      this.bad(text, start, end, lineNo, 'expected "<ns timestamp> <json>"', last);
      return;
    }
    const t = Number(text.slice(start, space - 6)); // ns → ms, floored
    let d: unknown;
    try {
      d = JSON.parse(text.slice(space + 1, end));
    } catch (error) {
      this.bad(text, start, end, lineNo, `not JSON (${(error as Error).message})`, last);
      return;
    }
    if (!Number.isFinite(t)) {
      this.bad(text, start, end, lineNo, 'expected "<ns timestamp> <json object>"', last);
      return;
    }
    const envelope = this.hftbacktest.toEnvelope(t, d);
    if (typeof envelope === 'string') {
      this.bad(text, start, end, lineNo, envelope, last);
      return;
    }
    batch.push(envelope);
    this.stats.envelopes++;
  }

  private bad(text: string, start: number, end: number, line: number, reason: string, last: boolean): void {
    if (last) {
      this.stats.tornTail = { line, reason: `last line is incomplete (${reason})` };
      return;
    }
    const problem: MalformedLine = { file: this.file, line, reason, excerpt: text.slice(start, Math.min(end, start + 120)) };
    this.stats.malformed++;
    if (this.stats.malformedSamples.length < MAX_SAMPLES) this.stats.malformedSamples.push(problem);
    if (this.options.strict) throw new MoonstreamError('CAPTURE_MALFORMED', `${this.file}:${line}: ${reason}`);
    this.options.onMalformed?.(problem);
  }
}
