import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, EventMap, ServerToClientEvents } from './event-map';
import type { ResumeRequest } from './delivery/replay';

/** Events between servers of a cluster (none: the Redis adapter carries emits itself). */
export type InterServerEvents = Record<string, never>;

/** What the handshake middleware stores on `socket.data`. */
export interface SocketData {
  userId: string;
  /**
   * Between the handshake and `connection`: the rooms to join, the client's resume request,
   * whether it opted into the replay protocol, and when its token was issued (the sign-out is
   * checked again once the socket is in its rooms).
   */
  pending?: { rooms: string[]; resume: ResumeRequest | undefined; optedIn: boolean; issuedAtMs: number; firstSocket: boolean };
}

/** The Socket.IO server; typed loosely by default (the gateway checks emits against the app's map, gateway.ts). */
export type GatewayServer<E extends EventMap = EventMap> = Server<ClientToServerEvents, ServerToClientEvents<E>, InterServerEvents, SocketData>;
export type GatewaySocket<E extends EventMap = EventMap> = Socket<ClientToServerEvents, ServerToClientEvents<E>, InterServerEvents, SocketData>;

/** Emits to a selection of sockets (a room, everyone, minus some rooms). */
export interface BroadcastTarget {
  to(room: string | string[]): BroadcastTarget;
  except(room: string | string[]): BroadcastTarget;
  emit(event: string, ...args: unknown[]): unknown;
}

/** Moves or closes the sockets of a selection. */
export interface SocketsTarget {
  socketsJoin(room: string | string[]): void;
  socketsLeave(room: string | string[]): void;
  disconnectSockets(close?: boolean): void;
}

/**
 * The part of Socket.IO's `Server` the gateway uses. A Socket.IO server satisfies it, and so
 * does a cross-process emitter (`@socket.io/redis-emitter`), so one `SocketGateway` class
 * drives either.
 * @see https://socket.io/docs/v4/redis-adapter/#emitter
 */
export interface EmitTarget extends BroadcastTarget {
  in(room: string | string[]): SocketsTarget;
}
