/**
 * The server-side public API: `gateway` pushes typed events to users, rooms and everyone.
 *
 * SocketGateway is stateless: every call looks the running Socket.IO server up through the
 * registry, so it works from code Next bundles (tRPC procedures, route handlers).
 */
import type { EventPayload, ServerEventName, ServerToClientEvents } from './events';
import { getSocketRuntime } from './registry';
import { assertRoomName, userRoom } from './rooms';
import type { GatewayServer } from './types';

type EmitArgs<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>;

export class SocketGateway {
  constructor(private readonly resolveIo: () => GatewayServer = () => getSocketRuntime().io) {}

  /** Every socket (tab) of `userId`, through the room `user:{userId}`. Offline users: no-op. */
  emitToUser<E extends ServerEventName>(userId: string, event: E, data: EventPayload<E>): void {
    assertUserId(userId);
    this.resolveIo()
      .to(userRoom(userId))
      .emit(event, ...([data] as EmitArgs<E>));
  }

  /** Every socket in `room`. An empty room: no-op. */
  emitToRoom<E extends ServerEventName>(room: string, event: E, data: EventPayload<E>): void {
    assertRoomName(room);
    this.resolveIo()
      .to(room)
      .emit(event, ...([data] as EmitArgs<E>));
  }

  /** Every connected socket. */
  broadcast<E extends ServerEventName>(event: E, data: EventPayload<E>): void {
    this.resolveIo().emit(event, ...([data] as EmitArgs<E>));
  }

  /** Puts one connection in `room`. */
  joinRoom(socketId: string, room: string): void {
    assertSocketId(socketId);
    assertRoomName(room);
    this.resolveIo().in(socketId).socketsJoin(room);
  }

  /** Takes one connection out of `room`. */
  leaveRoom(socketId: string, room: string): void {
    assertSocketId(socketId);
    assertRoomName(room);
    this.resolveIo().in(socketId).socketsLeave(room);
  }

  /** Puts every open socket of `userId` in `room` (stored membership is the caller's job). */
  addUserToRoom(userId: string, room: string): void {
    assertUserId(userId);
    assertRoomName(room);
    this.resolveIo().in(userRoom(userId)).socketsJoin(room);
  }

  /** Takes every open socket of `userId` out of `room`. */
  removeUserFromRoom(userId: string, room: string): void {
    assertUserId(userId);
    assertRoomName(room);
    this.resolveIo().in(userRoom(userId)).socketsLeave(room);
  }

  /** Closes every socket of `userId` (sign-out, ban). They reconnect only with a new token. */
  disconnectUser(userId: string): void {
    assertUserId(userId);
    this.resolveIo().in(userRoom(userId)).disconnectSockets(true);
  }
}

function assertUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new TypeError(`userId must be a non-empty string, got ${JSON.stringify(userId)}`);
  }
}

function assertSocketId(socketId: unknown): asserts socketId is string {
  if (typeof socketId !== 'string' || socketId.length === 0) {
    throw new TypeError(`socketId must be a non-empty string, got ${JSON.stringify(socketId)}`);
  }
}

/** The process-wide gateway. Throws a clear error if no socket server was started. */
export const gateway = new SocketGateway();

/**
 * Sign-out: refuses every socket token `userId` was issued so far (even unexpired ones) and
 * closes their open sockets on every tab. New tokens, minted after a new sign-in, still work.
 */
export async function revokeUserSockets(userId: string): Promise<void> {
  await getSocketRuntime().revocations.revoke(userId, Date.now());
  gateway.disconnectUser(userId);
}

export { authenticate, mintSocketToken } from './auth';
export type { SocketToken, SocketUser } from './auth';
export type * from './events';
export { createMemoryMembershipStore, type MembershipStore } from './membership-store';
export { createMemoryRevocationStore, type RevocationStore } from './revocation-store';
export { getSocketRuntime } from './registry';
export { canJoinRoom, isValidRoomName, roomNameSchema, userRoom } from './rooms';
export type { GatewayServer, GatewaySocket, SocketData } from './types';
