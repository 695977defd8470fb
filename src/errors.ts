/**
 * Typed errors with stable codes. Lower layers throw these and never call
 * `process.exit`; the program's one error funnel (src/cli/program.ts) maps them to a
 * one-line message and an exit code.
 */

export type ErrorCode =
  | 'USAGE' // bad flag or argument: exit 2
  | 'NOT_IMPLEMENTED' // a subcommand whose engine is not built yet
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'CAPTURE_MALFORMED' // strict mode: the first malformed capture line
  | 'CAPTURE_EMPTY' // a capture with no known venue messages
  | 'STATE_CORRUPT'
  | 'INTERRUPTED' // stopped by SIGINT/SIGTERM before it finished: exit 130 like a shell's Ctrl-C
  | 'INTERNAL';

const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 2,
  NOT_IMPLEMENTED: 3,
  FILE_NOT_FOUND: 1,
  FILE_UNREADABLE: 1,
  CAPTURE_MALFORMED: 1,
  CAPTURE_EMPTY: 1,
  STATE_CORRUPT: 1,
  INTERRUPTED: 130,
  INTERNAL: 1,
};

export class MoonstreamError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MoonstreamError';
    this.code = code;
    this.exitCode = EXIT_CODES[code];
  }
}

export function notImplemented(what: string): MoonstreamError {
  return new MoonstreamError('NOT_IMPLEMENTED', `${what}: not implemented yet`);
}

/** Message of anything thrown, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
