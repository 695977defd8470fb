import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const FORBIDDEN = /from\s+['"](node:[^'"]+|ws|fastify|ink|chalk|react)['"]|import\(\s*['"]node:/;

describe('order-book engines are pure', () => {
  it('import nothing from node:*, ws, fastify, ink or chalk', () => {
    const sources = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      expect(FORBIDDEN.test(text), `${file} imports an I/O module`).toBe(false);
    }
  });

  it('never read the wall clock', () => {
    for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      expect(/Date\.now\(|new Date\(|performance\.now\(/.test(text), `${file} reads the wall clock`).toBe(false);
    }
  });
});
