/**
 * The logging port of the connection layer (STYLE.md "I/O behind small interfaces").
 * Lines are complete one-line messages that already name the venue and connection or
 * endpoint; the `live` command decides where they go (stderr, the dashboard's log pane).
 */

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** Discards everything (the default: a library never prints on its own). */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Collects lines, for tests. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(line: string): void {
    this.lines.push(`info ${line}`);
  }
  warn(line: string): void {
    this.lines.push(`warn ${line}`);
  }
  error(line: string): void {
    this.lines.push(`error ${line}`);
  }
  /** Lines containing `text`. */
  matching(text: string): string[] {
    return this.lines.filter((l) => l.includes(text));
  }
}
