/**
 * `npm run bench:replay [capture …]`: end-to-end replay throughput (read, gunzip,
 * parse, normalize, engines, order books, writers) against the physical wall on the
 * same input — reading, gunzipping, splitting into lines and JSON.parse of every line
 * (DESIGN.md section 8: replay ≥ 70 % of that). Defaults to the shipped simulated
 * fixture and, when present, the real Binance capture beside the repository.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCapture } from '../src/capture/reader.js';
import { replay } from '../src/replay/replay.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../..');
const real = path.resolve(repo, '../shared/data/binance-usdm-btcusdt-2024-07-18');

function defaults(): string[][] {
  const sets = [[path.join(repo, 'fixtures/sim-2h.jsonl.gz')]];
  if (fs.existsSync(real)) sets.push(['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((f) => path.join(real, f)));
  return sets;
}

/** The wall: stream, gunzip, split and JSON.parse every line (the capture reader does exactly this). */
async function parseOnly(files: readonly string[]): Promise<number> {
  let lines = 0;
  for (const file of files) for await (const batch of openCapture(file)) lines += batch.length;
  return lines;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

const sets = process.argv.length > 2 ? [process.argv.slice(2)] : defaults();
const rounds = 3;
for (const files of sets) {
  const name = files.map((f) => path.basename(f)).join(' + ');
  let bestParse = Infinity;
  let bestReplay = Infinity;
  let lines = 0;
  let events = 0;
  let peakRss = 0;
  for (let round = 0; round < rounds; round++) {
    const [n, parseSeconds] = await timed(() => parseOnly(files));
    lines = n;
    bestParse = Math.min(bestParse, parseSeconds);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-replay-'));
    const [summary, replaySeconds] = await timed(() => replay({ files, dataDir }));
    fs.rmSync(dataDir, { recursive: true, force: true });
    events = Object.values(summary.events).reduce((a, b) => a + (b ?? 0), 0);
    bestReplay = Math.min(bestReplay, replaySeconds);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const ratio = bestParse / bestReplay;
  console.log(
    [
      `${name}: ${lines.toLocaleString('en-US')} envelopes, ${events.toLocaleString('en-US')} events (best of ${rounds})`,
      `  split + JSON.parse:  ${(lines / bestParse).toFixed(0).padStart(9)} envelopes/s (${bestParse.toFixed(2)} s)`,
      `  replay end to end:   ${(lines / bestReplay).toFixed(0).padStart(9)} envelopes/s (${bestReplay.toFixed(2)} s)`,
      `  ratio ${(ratio * 100).toFixed(0)} % of the wall (budget ≥ 70 %); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    ].join('\n'),
  );
}
