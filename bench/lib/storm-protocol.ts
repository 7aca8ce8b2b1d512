/**
 * What the storm part (bench/parts/storm.ts) and its load generator (bench/storm-client.ts) share:
 * the IPC messages, which room each user is in, and how a streamed event names its recipient and
 * its sequence number, so every client can count exactly what it got.
 */

/**
 * Users are members of rooms of this many (user i is in room `roomOf(i)`). BENCH_STORM_ROOM_SIZE=1
 * isolates the reconnect itself from presence fan-out (each user alone in a room).
 */
export const STORM_ROOM_SIZE = Number(process.env.BENCH_STORM_ROOM_SIZE ?? 100);

export function stormRoom(index: number): string {
  return `storm-${index}`;
}

export function roomIndexOf(user: number): number {
  return Math.floor(user / STORM_ROOM_SIZE);
}

/** `id` of the `seq`-th event streamed to room `room` (room:message) or user `user` (notification). */
export function roomEventId(room: number, seq: number): string {
  return `r${room}.${seq}`;
}

export function userEventId(user: number, seq: number): string {
  return `n${user}.${seq}`;
}

/** part → storm client */
export type StormCommand =
  /** Connects clients 0…n-1 to `port`; replies once every one of them has had its `gateway:sync`. */
  | { type: 'connect'; id: number; n: number; concurrency: number }
  /** From now on the clients reconnect to `port` (the node left standing, as a load balancer would route them). */
  | { type: 'failover'; id: number; port: number }
  /** Replies once every client has connected again and had its `gateway:sync` (or at the timeout). */
  | { type: 'awaitRecovery'; id: number; timeoutMs: number }
  /** Waits (up to timeoutMs) until every client has every event the totals say was streamed to it, then counts. */
  | { type: 'verify'; id: number; roomTotals: number[]; userTotals: number[]; timeoutMs: number }
  | { type: 'close'; id: number };

export interface RecoveryReport {
  /** Clients that connected again and were synced, out of `n`. */
  recovered: number;
  n: number;
  /** monoMs of the last reconnect (Socket.IO CONNECT acknowledged) and of the last `gateway:sync`. */
  lastConnectedAt: number;
  lastSyncedAt: number;
  /** Handshake attempts after the drop, and why the refused ones were refused. */
  attempts: number;
  refused: Record<string, number>;
  /** `gateway:sync` said `resync: true` (the missed stretch could not be replayed). */
  resyncs: number;
  /** Events replayed, summed over the clients' `gateway:sync`. */
  replayed: number;
  timedOut: boolean;
}

export interface VerifyReport {
  /** Streamed events that never reached a client they were addressed to (a miss per client). */
  lost: number;
  /** Streamed events a client got more than once (each extra copy counts). */
  duplicates: number;
  /** Streamed events delivered, summed over clients (first copies only). */
  delivered: number;
  /** `presence:changed` events the clients received (the gateway's own, not streamed by the part). */
  presence: number;
  /** Clients that got an event of another user or another room (must be 0). */
  misaddressed: number;
}

/** storm client → part */
export type StormReply =
  | { type: 'ready' }
  | { type: 'connected'; id: number; ok: number; failed: number; firstError?: string; ms: number }
  | { type: 'failedOver'; id: number }
  | ({ type: 'recovery'; id: number } & RecoveryReport)
  | ({ type: 'verified'; id: number } & VerifyReport)
  | { type: 'closed'; id: number };
