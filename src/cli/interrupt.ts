/**
 * Ctrl-C for the commands that stop cleanly (`replay`, `audit CAPTURE`, `simulate`,
 * `live`): the first SIGINT or SIGTERM aborts a signal the command's core watches, so it
 * finishes its batch, flushes and reports; a second one exits at once (the user insisted).
 */

export interface Interrupt {
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** The signal received, once one is. */
  readonly received: NodeJS.Signals | undefined;
  /** Remove the handlers (the default Ctrl-C behaviour returns). */
  dispose(): void;
}

/** What the handlers attach to; the process by default, an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InterruptOptions {
  /** Told about the first signal (e.g. "stopping after the current batch"). */
  readonly onFirst: (signal: NodeJS.Signals) => void;
  /** Told about the second; then `exit(130)`. */
  readonly onForced?: (signal: NodeJS.Signals) => void;
  /** Default: process. */
  readonly source?: SignalSource;
  /** Default: process.exit — the one place a command ends the process itself. */
  readonly exit?: (code: number) => void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function interruptOnSignals(options: InterruptOptions): Interrupt {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      options.onForced?.(signal);
      exit(130);
      return;
    }
    received = signal;
    options.onFirst(signal);
    controller.abort();
  };
  for (const s of SIGNALS) source.on(s, handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      for (const s of SIGNALS) source.off(s, handler);
    },
  };
}
