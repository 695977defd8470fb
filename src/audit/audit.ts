/**
 * `moonstream audit`: how accurate were the predictions? Reads ONLY what a run leaves in
 * the data dir — the calibrator log (rotated files included), the V2 heatmap history
 * ring and the zones and weights files — so any past run can be scored, and scores the
 * same way whatever produced it. With a capture, replays it into a temporary data dir
 * first (the same `replay()` the command uses) and removes that dir afterwards.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { MoonstreamError } from '../errors.js';
import { decodeV2Extension } from '../engines/history-records.js';
import { dataPaths } from '../store/data-dir.js';
import { rotatedFiles } from '../store/jsonl-log.js';
import { decodeFileHeader, decodeRecord, RECORD_SIZE, RingFormatError, slotOffset } from '../store/ring-codec.js';
import { fileError, readJsonFile, requireDataDir } from '../inspect/files.js';
import { assertConfiguredSymbols } from '../preflight.js';
import type { ReplayProgress, ReplaySummary } from '../replay/replay.js';
import { parseLogLine, type ApproachRecord, type CalibrationRecord, type LiquidationRecord, type MinuteRecord, type ZoneRecordLine } from './records.js';
import { buildSymbolAudit, type AuditSymbolReport, type LogStats, type SkippedLine } from './report.js';
import type { PoolSnapshot, TopQuarterOptions } from './top-quarter.js';

export const AUDIT_REPORT_VERSION = 1;
const MAX_SKIPPED_SAMPLES = 10;

export interface AuditOptions {
  readonly dataDir: string;
  /** One symbol (default: every symbol with a calibrator log in the data dir). */
  readonly symbol?: string;
  /** Only events at or after this time, epoch ms. */
  readonly since?: number;
  /** Score this capture: replay it into a temporary data dir first (then `dataDir` is not read). */
  readonly capture?: string;
  readonly topQuarter?: TopQuarterOptions;
  /** Replay progress (capture mode). */
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly onWarning?: (message: string) => void;
  /** Capture mode: stop the replay early (Ctrl-C); runAudit then throws INTERRUPTED, the temporary data dir removed. */
  readonly signal?: AbortSignal;
}

export interface AuditReport {
  readonly version: number;
  /** The data dir read; null for a capture (replayed into a temporary dir, since removed). File paths in the report are relative to it. */
  readonly dataDir: string | null;
  readonly capture: { readonly file: string; readonly envelopes: number; readonly malformedLines: number; readonly replayWallSeconds: number } | null;
  readonly since: number | null;
  readonly symbols: Readonly<Record<string, AuditSymbolReport>>;
}

export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  if (options.capture === undefined) return auditDataDir(options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moonstream-audit-'));
  try {
    const { replay } = await import('../replay/replay.js');
    const summary: ReplaySummary = await replay({
      files: [options.capture],
      dataDir: dir,
      fresh: true,
      ...(options.symbol !== undefined ? { symbols: [options.symbol] } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (summary.interrupted) throw interrupted(summary);
    const report = await auditDataDir({ ...options, dataDir: dir });
    return {
      ...report,
      dataDir: null,
      capture: { file: options.capture, envelopes: summary.envelopes, malformedLines: summary.malformedLines, replayWallSeconds: summary.wallSeconds },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function interrupted(summary: ReplaySummary): MoonstreamError {
  return new MoonstreamError('INTERRUPTED', `audit interrupted while replaying ${summary.files.join(', ')} (${summary.envelopes.toLocaleString('en-US')} envelopes in); no report, temporary data dir removed`);
}

/** Symbols with a calibrator log (live or rotated) in `<dataDir>/logs`. */
export function symbolsWithLogs(dataDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dataDir, 'logs'));
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const name of names) {
    const m = /^calibrator-([A-Z0-9]{1,20})(?:\.\d{8}_\d{4}(?:-\d+)?)?\.jsonl$/.exec(name);
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
}

async function auditDataDir(options: AuditOptions): Promise<AuditReport> {
  requireDataDir(options.dataDir);
  const paths = dataPaths(options.dataDir);
  let symbols: string[];
  if (options.symbol !== undefined) {
    assertConfiguredSymbols([options.symbol]);
    if (rotatedFiles(paths.calibratorLog(options.symbol)).length === 0) {
      throw new MoonstreamError('FILE_NOT_FOUND', `${paths.calibratorLog(options.symbol)}: no calibrator log for ${options.symbol} (nothing to audit; run \`moonstream replay\` or \`moonstream live\` with it first)`);
    }
    symbols = [options.symbol];
  } else {
    symbols = symbolsWithLogs(options.dataDir);
    if (symbols.length === 0) {
      throw new MoonstreamError('FILE_NOT_FOUND', `${path.join(options.dataDir, 'logs')}: no calibrator log (logs/calibrator-*.jsonl) to audit; run \`moonstream replay\` or \`moonstream live\` first, or pass a capture`);
    }
  }
  const reports: Record<string, AuditSymbolReport> = {};
  for (const symbol of symbols) reports[symbol] = await auditSymbol(options, symbol);
  return { version: AUDIT_REPORT_VERSION, dataDir: options.dataDir, capture: null, since: options.since ?? null, symbols: reports };
}

async function auditSymbol(options: AuditOptions, symbol: string): Promise<AuditSymbolReport> {
  const paths = dataPaths(options.dataDir);
  const warnings: string[] = [];
  const events: LiquidationRecord[] = [];
  const minutes: MinuteRecord[] = [];
  const approaches: ApproachRecord[] = [];
  const calibrations: CalibrationRecord[] = [];
  const zoneLines: ZoneRecordLine[] = [];
  const logFiles = rotatedFiles(paths.calibratorLog(symbol));
  let lastMinute = -Infinity;
  let minutesBack = 0;
  const log = await readLog(logFiles, (parsed) => {
    switch (parsed.kind) {
      case 'event':
        events.push(parsed.record);
        break;
      case 'minute':
        if (parsed.record.key <= lastMinute) minutesBack++;
        lastMinute = Math.max(lastMinute, parsed.record.key);
        minutes.push(parsed.record);
        break;
      case 'approach':
        approaches.push(parsed.record);
        break;
      case 'calibration':
        calibrations.push(parsed.record);
        break;
      case 'zone':
        zoneLines.push(parsed.record);
        break;
      default:
        break;
    }
  });
  if (minutesBack > 0) {
    warnings.push(
      `${paths.calibratorLog(symbol)}: ${minutesBack} minute line(s) repeat or go back in time — the log holds overlapping runs (a capture replayed twice into one data dir?), so their liquidations count twice; replay with --fresh`,
    );
  }
  const optional = (file: string): unknown => {
    if (!fs.existsSync(file)) return null;
    try {
      return readJsonFile(file);
    } catch (error) {
      warnings.push((error as Error).message);
      return null;
    }
  };
  const historyFile = paths.historyV2(symbol);
  let snapshots: PoolSnapshot[] | null = null;
  if (fs.existsSync(historyFile)) {
    try {
      const ring = readPoolSnapshots(historyFile);
      snapshots = ring.snapshots;
      if (ring.torn > 0) warnings.push(`${historyFile}: ${ring.torn} unreadable record(s) skipped`);
    } catch (error) {
      warnings.push((error as Error).message);
    }
  } else {
    warnings.push(`${historyFile}: no heatmap history ring, so the top-quarter comparison is left out`);
  }
  // paths inside the data dir are shown relative to it, so a report does not depend on where the dir was
  const prefix = path.join(options.dataDir, '_').slice(0, -1); // normalized, with its trailing separator
  const relative = (text: string) => text.split(prefix).join('');
  const report = buildSymbolAudit({
    symbol,
    log: { ...log, files: log.files.map(relative), skippedSamples: log.skippedSamples.map((k) => ({ ...k, file: relative(k.file) })) },
    events,
    minutes,
    approaches,
    calibrations,
    zoneLines,
    snapshots,
    historyFile: snapshots ? relative(historyFile) : null,
    zonesFile: optional(paths.zones(symbol)),
    weightsFile: optional(paths.weights(symbol)),
    warnings: warnings.map(relative),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.topQuarter ? { topQuarter: options.topQuarter } : {}),
  });
  return report;
}

/** Stream log files line by line into `onLine`; unusable lines are counted with their reasons. */
export async function readLog(files: readonly string[], onLine: (parsed: ReturnType<typeof parseLogLine>) => void): Promise<LogStats> {
  let lines = 0;
  let skipped = 0;
  const samples: SkippedLine[] = [];
  const byType: Record<string, number> = {};
  for (const file of files) {
    let stream: fs.ReadStream;
    try {
      stream = fs.createReadStream(file, { encoding: 'utf8' });
    } catch (error) {
      throw fileError(file, error);
    }
    const input = readline.createInterface({ input: stream, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const text of input) {
        lineNo++;
        if (text.trim() === '') continue;
        lines++;
        const parsed = parseLogLine(text);
        if (parsed.kind === 'skip') {
          skipped++;
          if (samples.length < MAX_SKIPPED_SAMPLES) samples.push({ file, line: lineNo, reason: parsed.reason });
          continue;
        }
        const type = parsed.kind === 'other' ? parsed.type : parsed.kind === 'zone' ? parsed.record.type : parsed.kind;
        byType[type] = (byType[type] ?? 0) + 1;
        onLine(parsed);
      }
    } catch (error) {
      throw fileError(file, error);
    } finally {
      input.close();
      stream.destroy();
    }
  }
  return { files, lines, byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : 1))), skipped, skippedSamples: samples };
}

/** Every readable record of a V2 history ring, oldest first, with its pools. Read-only. */
export function readPoolSnapshots(file: string): { snapshots: PoolSnapshot[]; torn: number } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw fileError(file, error);
  }
  let header;
  try {
    header = decodeFileHeader(bytes);
  } catch (error) {
    if (error instanceof RingFormatError) throw new MoonstreamError('STATE_CORRUPT', `${file}: ${error.message}`);
    throw error;
  }
  const held = Math.min(header.writeCount, header.capacity);
  const snapshots: PoolSnapshot[] = [];
  let torn = 0;
  for (let seq = header.writeCount - held; seq < header.writeCount; seq++) {
    const offset = slotOffset(seq % header.capacity);
    const record = offset + RECORD_SIZE <= bytes.length ? decodeRecord(bytes.subarray(offset, offset + RECORD_SIZE), seq) : undefined;
    if (!record) {
      torn++;
      continue;
    }
    const ext = decodeV2Extension(record.ext);
    snapshots.push({ ts: record.ts, src: record.src, priceMin: record.priceMin, priceMax: record.priceMax, long: ext.long, short: ext.short });
  }
  return { snapshots, torn };
}

/** The report as JSON text (`--format json`): numbers to 10 significant digits, so float noise does not show. */
export function auditJson(report: AuditReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toPrecision(10)) : value), 2)}\n`;
}
