/**
 * `npm run bench:inspect`: start-up latency of `moonstream inspect …` on the data dir of
 * the shipped fixture (DESIGN.md section 8: `inspect` and `--help` answer in < 300 ms),
 * measured as the wall time of the real binary, against the physical wall of starting
 * Node itself (`node -e 0`) on the same machine. Also times `audit` on that data dir and
 * `inspect capture` on the fixture (streams the whole capture; no start-up budget).
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replay } from '../src/replay/replay.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../..');
const bin = path.join(repo, 'dist/bin/moonstream.js');
const fixture = path.join(repo, 'fixtures/sim-2h.jsonl.gz');
const ROUNDS = 9;
const BUDGET_MS = 300;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function wall(args: readonly string[], rounds = ROUNDS): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return median(times);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-inspect-'));
try {
  await replay({ files: [fixture], dataDir });
  const node = wall(['-e', '0']);
  console.log(`start-up, median of ${ROUNDS} runs of the built binary on the fixture's data dir (budget < ${BUDGET_MS} ms)`);
  console.log(`  node -e 0 (the wall)          ${node.toFixed(0).padStart(5)} ms`);
  const cases: [string, string[]][] = [
    ['--help', ['--help']],
    ['inspect weights', ['inspect', 'weights', '--data-dir', dataDir]],
    ['inspect weights --json', ['inspect', 'weights', '--data-dir', dataDir, '--json']],
    ['inspect zones', ['inspect', 'zones', '--data-dir', dataDir]],
    ['inspect snapshot', ['inspect', 'snapshot', '--data-dir', dataDir]],
    ['inspect ring', ['inspect', 'ring', '--data-dir', dataDir]],
    ['inspect ring --json', ['inspect', 'ring', '--data-dir', dataDir, '--json']],
  ];
  let worst = 0;
  for (const [name, args] of cases) {
    const ms = wall([bin, ...args]);
    worst = Math.max(worst, ms);
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(0).padStart(5)} ms  (${(ms - node).toFixed(0)} ms above bare node, ${((100 * ms) / BUDGET_MS).toFixed(0)} % of the budget)`);
  }
  console.log(`  worst ${worst.toFixed(0)} ms: ${worst < BUDGET_MS ? 'within' : 'OVER'} the ${BUDGET_MS} ms budget`);
  console.log('no start-up budget (they read everything):');
  console.log(`  audit (3 symbols, 2 h)        ${wall([bin, 'audit', '--data-dir', dataDir], 3).toFixed(0).padStart(5)} ms`);
  console.log(`  inspect capture (the fixture) ${wall([bin, 'inspect', 'capture', fixture], 3).toFixed(0).padStart(5)} ms`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
