/**
 * The venue sample messages under `fixtures/venues/<venue>/*.jsonl`, for tests and
 * benchmarks. Each file is a small capture (DESIGN.md section 3): a header line whose
 * `provenance` and `lines` say where every message comes from, then one envelope a line.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envelopeProblem, isCaptureHeader, type CaptureHeader, type Envelope } from '../capture/envelope.js';

/** `fixtures/venues` of this package, from src/ (tests) and dist/src/ (benchmarks) alike. */
export function venueFixturesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'fixtures', 'venues');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`fixtures/venues not found above ${fileURLToPath(import.meta.url)}`);
}

export interface VenueFixture {
  /** `binance/force-order.jsonl` */
  readonly name: string;
  readonly header: CaptureHeader | undefined;
  readonly envelopes: Envelope[];
}

/** Read one fixture file (`binance/force-order.jsonl`); a malformed line is an error naming it. */
export function readVenueFixture(name: string): VenueFixture {
  const file = path.join(venueFixturesDir(), name);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let header: CaptureHeader | undefined;
  const envelopes: Envelope[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const value: unknown = JSON.parse(line);
    if (index === 0 && isCaptureHeader(value)) {
      header = value;
      return;
    }
    const problem = envelopeProblem(value);
    if (problem !== undefined) throw new Error(`${file}:${index + 1}: ${problem}`);
    envelopes.push(value as Envelope);
  });
  return { name, header, envelopes };
}

/** Every fixture file, as `venue/file.jsonl`, sorted. */
export function listVenueFixtures(): string[] {
  const root = venueFixturesDir();
  const names: string[] = [];
  for (const venue of fs.readdirSync(root).sort()) {
    const dir = path.join(root, venue);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).sort()) if (file.endsWith('.jsonl')) names.push(`${venue}/${file}`);
  }
  return names;
}
