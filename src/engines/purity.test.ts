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

describe('src/engines purity', () => {
  it('imports nothing from node:*, ws, fastify, ink or chalk (tests excepted)', () => {
    const files = sources(here);
    expect(files.length).toBeGreaterThan(15);
    const offenders: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        if (FORBIDDEN.test(spec)) offenders.push(`${path.relative(here, file)} imports ${spec}`);
        // engines may import type-only from store codecs, never the I/O modules
        if (/\/store\/(?!ring-codec\.js)/.test(spec)) offenders.push(`${path.relative(here, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('never reads the wall clock', () => {
    const offenders = sources(here).filter((f) => /Date\.now\(|new Date\(|performance\.now\(/.test(fs.readFileSync(f, 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')));
    expect(offenders.map((f) => path.relative(here, f))).toEqual([]);
  });
});
