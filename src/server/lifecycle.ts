/**
 * Whether this process is serving or draining, shared between server.ts and the route
 * handlers Next bundles (through globalThis, like the socket registry).
 */
export type ServerPhase = 'serving' | 'draining';

const PHASE_KEY = Symbol.for('socket-gateway.phase');
const holder = globalThis as { [PHASE_KEY]?: ServerPhase };

export function setServerPhase(phase: ServerPhase): void {
  holder[PHASE_KEY] = phase;
}

export function getServerPhase(): ServerPhase {
  return holder[PHASE_KEY] ?? 'serving';
}
