#!/usr/bin/env node
import { main } from '../src/cli/program.js';

// `moonstream audit | head` closes the pipe early: not an error, just the end of the output
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv);
