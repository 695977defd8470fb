/**
 * `inspect weights`: the calibrator's weights file (ours, or the PoC's
 * `liq_calibrator_weights_{SYM}.json` as this build migrates it). The JSON form is the
 * calibrator's own rendering (`inspectWeights`), so it is exactly what a restart loads.
 */

import { MoonstreamError } from '../errors.js';
import { inspectWeights, type WeightsFile } from '../engines/calibrator/weights-file.js';
import { bar, table } from '../cli/format.js';

export interface WeightsView {
  readonly file: string;
  readonly weights: WeightsFile;
  readonly migratedFrom: number | null;
  readonly notes: readonly string[];
}

/** Validate a parsed weights file; STATE_CORRUPT naming `file` when the calibrator would ignore it. */
export function weightsView(file: string, parsed: unknown, symbol?: string): WeightsView {
  const inspection = inspectWeights(parsed, symbol !== undefined ? { symbol } : {});
  if (!inspection.ok) throw new MoonstreamError('STATE_CORRUPT', `${file}: not a usable weights file (${inspection.reason})`);
  return { file, weights: inspection.file, migratedFrom: inspection.migratedFrom, notes: inspection.notes };
}

export function renderWeights(view: WeightsView): string {
  const w = view.weights;
  const disabled = new Set(w.disabled_tiers ?? []);
  const max = Math.max(...w.weights.filter((_, i) => !disabled.has(w.ladder[i]!)), 0);
  const lines: string[] = [];
  const migrated = view.migratedFrom !== null ? ` · migrated from schema_version ${view.migratedFrom}` : '';
  lines.push(`${w.symbol} · ${view.file} · schema ${w.schema_version}${migrated} · ${w.calibration_count} calibration(s) · saved ${w.saved_at}`);
  const rows: string[][] = [['tier', 'weight', '']];
  w.ladder.forEach((tier, i) => {
    const weight = w.weights[i] ?? 0;
    rows.push(disabled.has(tier) ? [`${tier}x`, '—', 'disabled'] : [`${tier}x`, weight.toFixed(4), bar(weight, max, 30)]);
  });
  lines.push(...table(rows, ['right', 'right', 'left']));
  const bias = (b: number) => `${b >= 0 ? '+' : '−'}${Math.abs(b * 100).toFixed(4)} %`;
  lines.push(
    `  buffer ${w.buffer.toFixed(5)} · bias long ${bias(w.bias_pct_long)}, short ${bias(w.bias_pct_short)} · tolerance ${w.tolerance} buckets · window ${w.window_minutes ?? '—'} min`,
  );
  if (disabled.size > 0) lines.push(`  disabled tiers (no learning, zones or hit rates): ${[...disabled].map((t) => `${t}x`).join(', ')}`);
  for (const note of view.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}
