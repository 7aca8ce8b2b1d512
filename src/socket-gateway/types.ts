import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from './events';

/** Events between servers of a cluster (none yet; a Redis adapter carries emits itself). */
export type InterServerEvents = Record<string, never>;

/** What the handshake middleware stores on `socket.data`. */
export interface SocketData {
  userId: string;
}

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
