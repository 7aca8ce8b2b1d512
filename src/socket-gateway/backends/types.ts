/**
 * A backend: where one gateway keeps its state (memberships, sign-outs, rate limits, presence,
 * room history, the event log) and, on Redis, how its nodes reach each other. The facade
 * (create-socket-gateway.ts) picks one from its options: memory, `database`, or `redisUrl`.
 */
import type { ServerOptions } from 'socket.io';
import type { SampleBoard } from '../observability/metrics-sampler';
import type { EventLog, EventLogRetention } from '../stores/event-log';
import type { GatewayStores } from '../stores/types';

export interface Backend {
  mode: 'memory' | 'sqlite' | 'redis';
  stores: GatewayStores;
  log: EventLog;
  /** The Socket.IO adapter carrying room operations across nodes (Redis only). */
  adapter?: ServerOptions['adapter'];
  /** Where the dashboard's samples of every node meet (Redis only). */
  sampleBoard?: SampleBoard;
  /** Whether each dependency answers now (for a health check). */
  dependencies(): Record<string, 'up' | 'down'>;
  /** Releases the backend's connections and files (after the socket server and the log are closed). */
  close(): Promise<void>;
}

/** What every backend is built from. */
export interface BackendOptions {
  retention: EventLogRetention;
  abandonedHistoryTtlMs: number;
}
