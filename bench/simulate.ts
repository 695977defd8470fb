/**
 * npm run bench:simulate [-- --minutes N --profile standard]
 *
 * How fast `moonstream simulate` makes a market: simulated minutes per second and
 * messages per second for the model alone (frames to a no-op consumer) and for the
 * whole command (capture .jsonl.gz + truth), beside the physical wall on the same
 * capture (gunzip, split into lines, JSON.parse each) and the projected time for a
 * simulated day. CPU time is reported as well as wall time: the machines are shared.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { runSimulation, simulateToFile } from '../src/sim/run.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const minutes = Number(flag('minutes', '240'));
const profile = flag('profile', 'standard');

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function timed<T>(run: () => Promise<T> | T): Promise<[T, Timing]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const cpu = process.cpuUsage(c0);
  return [value, { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }];
}

function rate(n: number, t: Timing): string {
  return `${Math.round((n / t.wallMs) * 1000).toLocaleString('en-US')}/s wall, ${Math.round((n / t.cpuMs) * 1000).toLocaleString('en-US')}/s cpu`;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-sim-'));
try {
  console.log(`bench:simulate — ${minutes} simulated minutes, BTC ETH SOL, three venues, profile ${profile}`);

  let frames = 0;
  let bytes = 0;
  const [, model] = await timed(() =>
    runSimulation({ minutes, profile, seed: 1 }, (f) => {
      frames++;
      bytes += f.json.length;
    }),
  );
  console.log(`model only        ${rate(minutes, model)} simulated minutes; ${rate(frames, model)} messages (${(bytes / 1e6).toFixed(0)} MB of frames)`);

  const out = path.join(dir, 'bench.jsonl.gz');
  const [summary, file] = await timed(() => simulateToFile({ minutes, profile, seed: 1, out }));
  console.log(
    `capture .jsonl.gz ${rate(minutes, file)} simulated minutes; ${rate(summary.frames, file)} messages; ` +
      `${(summary.bytes / 1e6).toFixed(1)} MB gz + ${(summary.truthBytes / 1e6).toFixed(1)} MB truth, ${summary.liquidations.toLocaleString('en-US')} liquidations`,
  );

  // the physical wall: gunzip, split, JSON.parse every line of the same capture
  const [lines, wall] = await timed(() => {
    const text = zlib.gunzipSync(fs.readFileSync(out)).toString('utf8');
    let n = 0;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      JSON.parse(text.slice(start, nl));
      n++;
      start = nl + 1;
    }
    return n;
  });
  console.log(`gunzip+split+parse ${rate(lines, wall)} lines`);
  console.log(`ratio             the simulator writes at ${((summary.frames / file.wallMs) / (lines / wall.wallMs) * 100).toFixed(0)} % of the speed the same capture parses (wall)`);
  const dayWall = (file.wallMs / minutes) * 1440 / 1000;
  const dayCpu = (file.cpuMs / minutes) * 1440 / 1000;
  console.log(`a simulated day  ≈ ${dayWall.toFixed(1)} s wall (${dayCpu.toFixed(1)} s cpu), ≈ ${((summary.bytes / minutes) * 1440 / 1e6).toFixed(0)} MB gz, ≈ ${Math.round((summary.frames / minutes) * 1440).toLocaleString('en-US')} messages`);
  const memory = process.memoryUsage();
  console.log(`memory            rss ${(memory.rss / 1e6).toFixed(0)} MB, heap used ${(memory.heapUsed / 1e6).toFixed(0)} MB`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
