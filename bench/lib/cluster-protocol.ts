/**
 * IPC between a cluster part and its node children (bench/cluster-node.ts): two such nodes and
 * one redis-server make the cluster under test.
 */

/** gateway: the real composition of server.ts in Redis mode; sio: raw Socket.IO + @socket.io/redis-adapter. */
export type ClusterNodeKind = 'gateway' | 'sio';

/** A room and its members (user indexes, see `userId`), stored before the clients connect. */
export interface RoomSeed {
  room: string;
  from: number;
  to: number;
}

/** part → node */
export type NodeCommand =
  | { type: 'stats'; id: number }
  | { type: 'fanout'; id: number; round: number }
  | { type: 'emitToUsers'; id: number; count: number }
  /** gateway: `gateway.enterRoom` for users 0…n-1 (the tRPC room.join path: stored membership + open sockets). */
  | { type: 'enterRoom'; id: number; n: number; room: string }
  /** gateway: `gateway.exitRoom` for users 0…n-1 (between trials, so that their disconnects announce nothing to the room). */
  | { type: 'exitRoom'; id: number; n: number; room: string }
  /** gateway: memberships straight into the membership store (before anyone connects). */
  | { type: 'seedRooms'; id: number; rooms: RoomSeed[] }
  /** A CPU profile of this node from now (node:inspector in the node itself), until `profileStop` writes it to `file`. */
  | { type: 'profileStart'; id: number }
  | { type: 'profileStop'; id: number; file: string };

/** node → part */
export type NodeReply =
  | { type: 'ready'; port: number; pid: number }
  /** emitFailures: gateway emits the event log refused so far (node-redis fails a command queued for over 5 s). */
  | { type: 'stats'; id: number; user: number; system: number; rss: number; heapUsed: number; connections: number; emitFailures: number }
  | { type: 'sent'; id: number; startedAt: number; endedAt: number }
  | { type: 'done'; id: number; ms: number };
