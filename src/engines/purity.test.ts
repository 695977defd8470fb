import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const FORBIDDEN = /^(node:|ws$|ws\/|fastify|ink|chalk|fs$|path$|os$|zlib$|net$|http|https$|child_process$|worker_threads$)/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(p);
  }
  return out;
}

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

/**
 * The impure modules a file reaches through its relative imports, followed
 * transitively (engines may use pure codecs that live elsewhere, e.g. the ring-record
 * codec in src/store/, but nothing that reaches node:*, ws, fastify, ink or chalk).
 */
function impureReach(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const found: string[] = [];
  for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
    if (FORBIDDEN.test(spec)) found.push(`${path.relative(here, file)} imports ${spec}`);
    else if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      if (fs.existsSync(target)) found.push(...impureReach(target, seen));
      else if (fs.existsSync(target.replace(/\.ts$/, '.tsx'))) found.push(...impureReach(target.replace(/\.ts$/, '.tsx'), seen));
    }
  }
  return found;
}

describe('src/engines purity', () => {
  it('reaches nothing from node:*, ws, fastify, ink or chalk, directly or through what it imports (tests excepted)', () => {
    const files = sources(here);
    expect(files.length).toBeGreaterThan(15);
    const offenders = new Set<string>();
    for (const file of files) for (const o of impureReach(file)) offenders.add(o);
    expect([...offenders]).toEqual([]);
  });

  it('would catch an engine importing an I/O module of the store', () => {
    const probe = path.join(here, '__purity-probe.ts');
    fs.writeFileSync(probe, "import { RingFile } from '../store/ring-file.js';\nexport const x = RingFile;\n");
    try {
      expect(impureReach(probe).some((o) => o.includes('node:fs'))).toBe(true);
    } finally {
      fs.rmSync(probe);
    }
  });

  it('never reads the wall clock', () => {
    const offenders = sources(here).filter((f) => /Date\.now\(|new Date\(|performance\.now\(/.test(fs.readFileSync(f, 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')));
    expect(offenders.map((f) => path.relative(here, f))).toEqual([]);
  });
});
