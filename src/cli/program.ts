/**
 * The commander program and its one error funnel: typed errors become a one-line
 * message and an exit code (usage errors 2); nothing else calls process.exit.
 */

import { Command, CommanderError } from 'commander';
import { auditCommand } from '../../commands/audit.js';
import { inspectCommand } from '../../commands/inspect.js';
import { liveCommand } from '../../commands/live.js';
import { replayCommand } from '../../commands/replay.js';
import { simulateCommand } from '../../commands/simulate.js';
import { MoonstreamError, messageOf } from '../errors.js';
import { VERSION } from '../version.js';

export interface ProgramIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: ProgramIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function buildProgram(io: ProgramIo = processIo): Command {
  const program = new Command('moonstream')
    .description('Where will leveraged positions be liquidated? Liquidation heatmaps for Binance, Bybit and OKX perpetuals.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const make of [liveCommand, replayCommand, auditCommand, inspectCommand, simulateCommand]) {
    program.addCommand(make().copyInheritedSettings(program));
  }
  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[], io: ProgramIo = processIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length <= 2) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: ProgramIo): number {
  if (error instanceof CommanderError) {
    // commander has printed the message (and the usage, for errors) already
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
    return 2;
  }
  if (error instanceof MoonstreamError) {
    io.stderr(`moonstream: ${error.message}\n`);
    return error.exitCode;
  }
  const debug = process.env.MOONSTREAM_DEBUG === '1';
  io.stderr(`moonstream: internal error: ${messageOf(error)}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  else io.stderr('  (set MOONSTREAM_DEBUG=1 for the stack trace)\n');
  return 1;
}
