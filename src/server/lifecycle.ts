/**
 * Whether this process is serving or draining, shared between server.ts and the route
 * handlers Next bundles (through globalThis: process-holder.ts).
 */
import { appSlot } from './process-holder';

export type ServerPhase = 'serving' | 'draining';

const slot = appSlot<ServerPhase>('phase');

export function setServerPhase(phase: ServerPhase): void {
  slot.set(phase);
}

export function getServerPhase(): ServerPhase {
  return slot.get() ?? 'serving';
}
