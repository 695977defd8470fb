import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// the test runs from src/ and from dist/src/ alike
const repo = fs.existsSync(path.join(root, 'README.md')) ? root : path.resolve(root, '..');

/** The commands of the first ```sh block under `## <title>`. */
function shellBlockOf(readme: string, title: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  if (section === undefined) throw new Error(`README has no "## ${title}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README "## ${title}" has no sh block`);
  return block[1]!.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

describe('.ci/run', () => {
  it('runs exactly the README install and test commands, in that order', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    const ci = fs.readFileSync(path.join(repo, '.ci', 'run'), 'utf8');
    const ciCommands = ci.split('\n').map((l) => l.trim()).filter((l) => /^npm /.test(l));
    expect(shellBlockOf(readme, 'Install')).toEqual(['npm ci']);
    expect(ciCommands).toEqual([...shellBlockOf(readme, 'Install'), ...shellBlockOf(readme, 'Test')]);
  });
});
