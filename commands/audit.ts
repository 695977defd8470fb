import { Command } from 'commander';
import { choice, parseSymbols, parseTime } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

interface AuditFlags {
  readonly symbol?: string;
  readonly dataDir: string;
  readonly since?: number;
  readonly format: 'md' | 'json';
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('report how accurate the predictions were (markdown on stdout)')
    .argument('[capture]', 'score this capture: replay it into a temporary data dir first (then --data-dir is not read)')
    .option('--symbol <sym>', 'one symbol (default: every symbol in the data dir)', (v) => parseSymbols(v)[0]!)
    .option('--data-dir <dir>', 'data dir to read', DEFAULT_DATA_DIR)
    .option('--since <time>', 'only events at or after this ISO time', parseTime)
    .option('--format <fmt>', 'md or json', choice(['md', 'json'] as const), 'md')
    .action(async (capture: string | undefined, flags: AuditFlags, command: Command) => {
      const { auditJson, runAudit } = await import('../src/audit/audit.js');
      const { renderAuditMarkdown } = await import('../src/audit/markdown.js');
      // a progress line on a terminal while a capture replays (quiet otherwise)
      const formatProgress = process.stderr.isTTY === true && capture !== undefined ? (await import('../src/replay/format.js')).formatProgress : undefined;
      let progressShown = false;
      // with a capture, Ctrl-C stops its replay cleanly, so the temporary data dir is removed
      const interrupt =
        capture === undefined
          ? undefined
          : (await import('../src/cli/interrupt.js')).interruptOnSignals({
              onFirst: (signal) => process.stderr.write(`${progressShown ? '\r\x1b[K' : ''}moonstream audit: ${signal}: stopping the replay and removing its temporary data dir (${signal} again forces exit)\n`),
              onForced: (signal) => process.stderr.write(`moonstream audit: ${signal} again, exiting (the temporary data dir is left behind)\n`),
            });
      const report = await runAudit({
        dataDir: flags.dataDir,
        ...(capture !== undefined ? { capture } : {}),
        ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}),
        ...(flags.since !== undefined ? { since: flags.since } : {}),
        ...(interrupt ? { signal: interrupt.signal } : {}),
        onWarning: (message) => process.stderr.write(`${progressShown ? '\r\x1b[K' : ''}moonstream: warning: ${message}\n`),
        ...(formatProgress
          ? {
              onProgress: (p) => {
                progressShown = true;
                process.stderr.write(`\r${formatProgress(p)}\x1b[K`);
              },
            }
          : {}),
      }).finally(() => interrupt?.dispose());
      if (progressShown) process.stderr.write('\r\x1b[K');
      // also in the report; repeated here for whoever sends the report to a file
      for (const [symbol, r] of Object.entries(report.symbols)) for (const w of r.warnings) process.stderr.write(`moonstream: warning: ${symbol}: ${w}\n`);
      const text = flags.format === 'json' ? auditJson(report) : renderAuditMarkdown(report);
      command.configureOutput().writeOut?.(text);
    });
}
