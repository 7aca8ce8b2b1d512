/**
 * The one holder of the running realtime parts of this process.
 *
 * server.ts and the code Next bundles (route handlers, tRPC procedures) each get their OWN
 * copy of every module, so a module-level variable set by server.ts is invisible to a tRPC
 * procedure. `globalThis` is shared by both, so the parts live there under a `Symbol.for`
 * key (the same symbol in every module copy).
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import type { EventMap } from './event-map';
import type { RoomPolicy } from './rooms';
import type { GatewayLogger } from './observability/logger';
import type { EventSink } from './delivery/sinks';
import type { GatewayStores } from './stores/types';
import type { EmitTarget, GatewayServer } from './types';
import { processSlot } from './process-holder';

export interface GatewayRuntime {
  /** Where socket moves (join, leave, disconnect) go: the Socket.IO server, or a cross-process emitter. */
  target: EmitTarget;
  /** Where emits go: the event log (delivered from there by every node), or straight to `target`. */
  sink: EventSink;
  stores: GatewayStores;
  /** How many app rooms one user may be in. */
  maxRoomsPerUser: number;
  /** How many of a room's latest messages its history keeps. */
  roomHistoryLimit: number;
  /** Check every emitted payload against its event schema (development and tests). */
  validatePayloads: boolean;
  /** The app's events (name → Standard Schema): what `validatePayloads` checks emits against. */
  events: EventMap;
  /** The app's room rules and personal room name (default `defaultRoomPolicy`, rooms.ts). */
  rooms?: RoomPolicy;
  /** Largest payload an emit may carry, in bytes of JSON (default DEFAULT_MAX_EVENT_BYTES; event-bounds.ts). */
  maxEventBytes?: number;
  /** The Socket.IO server, when this process runs one. */
  io?: GatewayServer;
  /** Whether each external dependency (Redis) answers now, for health checks. */
  dependencies?: () => Record<string, 'up' | 'down'>;
  /** The gateway's logger (its `logger` option), for code that logs through `getLogger()`. */
  logger?: GatewayLogger;
}

const slot = processSlot<GatewayRuntime>('runtime');

export function registerGatewayRuntime(runtime: GatewayRuntime): void {
  slot.set(runtime);
}

/** Removes `runtime` if it is the registered one (a later server may have replaced it). */
export function unregisterGatewayRuntime(runtime: GatewayRuntime): void {
  slot.clearIf(runtime);
}

export function findGatewayRuntime(): GatewayRuntime | undefined {
  return slot.get();
}

export function getGatewayRuntime(): GatewayRuntime {
  const runtime = slot.get();
  if (!runtime) {
    throw new Error(
      'Socket gateway is not running in this process: no Socket.IO server was started. ' +
        'Start the app through server.ts (npm run dev / npm start), not `next dev` or `next start`; ' +
        'from a worker, use createGatewayEmitter(); in tests, call createSocketGateway() (or createSocketServer()) first.',
    );
  }
  return runtime;
}
