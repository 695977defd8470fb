import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { interruptOnSignals, type SignalSource } from './interrupt.js';

function source(): EventEmitter & SignalSource {
  return new EventEmitter() as EventEmitter & SignalSource;
}

describe('interruptOnSignals', () => {
  it('aborts on the first SIGINT or SIGTERM and exits 130 on the second', () => {
    const events = source();
    const told: string[] = [];
    const exits: number[] = [];
    const interrupt = interruptOnSignals({ source: events, onFirst: (s) => told.push(`first ${s}`), onForced: (s) => told.push(`forced ${s}`), exit: (code) => exits.push(code) });
    expect(interrupt.signal.aborted).toBe(false);
    events.emit('SIGTERM', 'SIGTERM');
    expect(interrupt.signal.aborted).toBe(true);
    expect(interrupt.received).toBe('SIGTERM');
    expect(exits).toEqual([]);
    events.emit('SIGINT', 'SIGINT');
    expect(told).toEqual(['first SIGTERM', 'forced SIGINT']);
    expect(exits).toEqual([130]);
  });

  it('removes its handlers when disposed', () => {
    const events = source();
    const interrupt = interruptOnSignals({ source: events, onFirst: () => {}, exit: () => {} });
    expect(events.listenerCount('SIGINT') + events.listenerCount('SIGTERM')).toBe(2);
    interrupt.dispose();
    expect(events.listenerCount('SIGINT') + events.listenerCount('SIGTERM')).toBe(0);
  });
});
