/**
 * The capture envelope (DESIGN.md section 3): one per line of a capture file.
 *
 *   {"t":1732312345123,"v":"binance","c":"forceOrder","d":{…raw…}}
 *
 * `t` local receive time (epoch ms); `v` venue, or `moonstream` for pipeline-made
 * envelopes such as ticks; `c` the channel as the venue names it, without the
 * instrument, or `rest.<name>` for REST results; `d` the frame as received, parsed;
 * `q` the REST request's query parameters.
 */

export interface Envelope {
  readonly t: number;
  readonly v: string;
  readonly c: string;
  readonly d: unknown;
  readonly q?: Readonly<Record<string, string | number>>;
}

/** Optional first line of a capture. */
export interface CaptureHeader {
  readonly moonstream: 'capture';
  readonly version: number;
  readonly started?: number;
  readonly symbols?: readonly string[];
  readonly venues?: readonly string[];
  readonly [key: string]: unknown;
}

export const CAPTURE_VERSION = 1;

/** The source `v` of envelopes the pipeline makes itself. */
export const MOONSTREAM_SOURCE = 'moonstream';

export function tickEnvelope(t: number): Envelope {
  return { t, v: MOONSTREAM_SOURCE, c: 'tick', d: {} };
}

export function isCaptureHeader(value: unknown): value is CaptureHeader {
  return typeof value === 'object' && value !== null && (value as { moonstream?: unknown }).moonstream === 'capture';
}

/** Why a parsed line is not an envelope, or undefined when it is one. */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (!('t' in e)) return 'missing "t"';
  if (typeof e.t !== 'number' || !Number.isFinite(e.t)) return '"t" is not a number';
  if (typeof e.v !== 'string' || e.v === '') return 'missing "v"';
  if (typeof e.c !== 'string' || e.c === '') return 'missing "c"';
  if (!('d' in e) || e.d === undefined) return 'missing "d"';
  return undefined;
}

/** One capture line for an envelope (no trailing newline). Key order t, v, c, d, q. */
export function formatEnvelope(envelope: Envelope): string {
  const q = envelope.q === undefined ? '' : `,"q":${JSON.stringify(envelope.q)}`;
  return `{"t":${envelope.t},"v":${JSON.stringify(envelope.v)},"c":${JSON.stringify(envelope.c)},"d":${JSON.stringify(envelope.d)}${q}}`;
}

/**
 * One capture line from a frame's raw JSON text, without parsing and re-serializing it
 * (live recording). `rawJson` must be one valid JSON value.
 */
export function formatRawEnvelope(
  t: number,
  v: string,
  c: string,
  rawJson: string,
  q?: Readonly<Record<string, string | number>>,
): string {
  const qText = q === undefined ? '' : `,"q":${JSON.stringify(q)}`;
  return `{"t":${t},"v":${JSON.stringify(v)},"c":${JSON.stringify(c)},"d":${rawJson}${qText}}`;
}
