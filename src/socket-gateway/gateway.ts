/**
 * SocketGateway: the server-side API that pushes the app's typed events to users, rooms and
 * everyone, and applies the app's room policy (rooms.ts). It keeps no state of its own: every call resolves the parts it
 * drives (an emit target and the stores) through `resolve`, by default the registry, so the
 * same class works inside server.ts, in code Next bundles, and in a worker over an emitter.
 */
import { assertEventBounds, DEFAULT_MAX_EVENT_BYTES } from './delivery/event-bounds';
import { MEMBERSHIP_EVENT, validateEventPayload, type EmitPayload, type EventMap, type EventName, type EventPayload } from './event-map';
import { getLogger } from './observability/logger';
import { getGatewayRuntime, type GatewayRuntime } from './registry';
import type { EventAddress } from './stores/event-log';
import type { RateLimit, TakeResult } from './stores/types';
import { assertRoomName, defaultRoomPolicy, RoomAccessError, type RoomPolicy, type RoomUser } from './rooms';

/** What a gateway drives: `GatewayRuntime` minus the optional Socket.IO server. */
export type GatewayParts = Omit<GatewayRuntime, 'io'>;

export interface EmitOptions {
  /** "To others": this socket (the tab that caused the event) does not receive it. */
  exceptSocketId?: string;
}

export interface PostOptions extends EmitOptions {
  /**
   * Also keep it in the room's history (the newest ROOM_HISTORY_MAX_MESSAGES of each room), for
   * pages that open later. Kept before it is emitted, so whoever receives it finds it there too.
   */
  history?: boolean;
}

/** One message of a room's history, typed by its event. */
export type RoomHistoryItem<E extends EventMap = EventMap> = { [K in EventName<E>]: { seq: number; event: K; data: EventPayload<E, K> } }[EventName<E>];

export interface RoomHistory<E extends EventMap = EventMap> {
  /** Oldest first. */
  entries: RoomHistoryItem<E>[];
  /** Whether older entries remain: ask again with `before: entries[0].seq`. */
  hasMore: boolean;
}

/**
 * Typed by the app's event map `E` (a wrong event name or payload does not compile) and by the
 * user type `U` its room policy reads. The defaults type it loosely (any name, any payload):
 * the runtime's `events` still check every emit in development and tests.
 */
export class SocketGateway<E extends EventMap = EventMap, U extends RoomUser = RoomUser> {
  constructor(private readonly resolve: () => GatewayParts = getGatewayRuntime) {}

  private rooms(parts: GatewayParts = this.resolve()): RoomPolicy<U> {
    return (parts.rooms ?? defaultRoomPolicy) as RoomPolicy<U>;
  }

  private personalRoom(userId: string, parts?: GatewayParts): string {
    return this.rooms(parts).personalRoom(userId);
  }

  /**
   * Every socket (tab) of `userId`, through their personal room (`user:{userId}`). Offline users: no-op.
   * Resolves once the event has its place in the event log (so a tab that is reconnecting
   * gets it too); rejects when it cannot be accepted (the log is unreachable): never a silent drop.
   */
  emitToUser<K extends EventName<E>>(userId: string, event: K, data: EmitPayload<E, K>, options: EmitOptions = {}): Promise<void> {
    assertUserId(userId);
    return this.publish({ kind: 'user', userId }, event, data, options);
  }

  /** Every socket in `room`. An empty room: no-op. */
  emitToRoom<K extends EventName<E>>(room: string, event: K, data: EmitPayload<E, K>, options: EmitOptions = {}): Promise<void> {
    assertRoomName(room);
    return this.publish({ kind: 'room', room }, event, data, options);
  }

  /** Every connected socket. */
  broadcast<K extends EventName<E>>(event: K, data: EmitPayload<E, K>, options: EmitOptions = {}): Promise<void> {
    return this.publish({ kind: 'all' }, event, data, options);
  }

  /**
   * Puts one connection in `room` (no stored membership: see `enterRoom`). Bad arguments throw at
   * once, like the emits; the promise resolves once the move is handed to Socket.IO (its adapter
   * carries it to the node holding the socket).
   */
  joinRoom(socketId: string, room: string): Promise<void> {
    assertSocketId(socketId);
    assertRoomName(room);
    this.resolve().target.in(socketId).socketsJoin(room);
    return Promise.resolve();
  }

  /** Takes one connection out of `room`; like `joinRoom`. */
  leaveRoom(socketId: string, room: string): Promise<void> {
    assertSocketId(socketId);
    assertRoomName(room);
    this.resolve().target.in(socketId).socketsLeave(room);
    return Promise.resolve();
  }

  /** Puts every open socket of `userId` in `room` (no stored membership: see `enterRoom`). */
  addUserToRoom(userId: string, room: string): void {
    assertUserId(userId);
    assertRoomName(room);
    this.resolve().target.in(this.personalRoom(userId)).socketsJoin(room);
  }

  /** Takes every open socket of `userId` out of `room` (no stored membership: see `exitRoom`). */
  removeUserFromRoom(userId: string, room: string): void {
    assertUserId(userId);
    assertRoomName(room);
    this.resolve().target.in(this.personalRoom(userId)).socketsLeave(room);
  }

  /** Closes every socket of `userId` (a ban, a kick). They reconnect only with a new token. */
  disconnectUser(userId: string): void {
    assertUserId(userId);
    this.resolve().target.in(this.personalRoom(userId)).disconnectSockets(true);
  }

  /**
   * Sign-out: refuses every credential `userId` was issued so far (socket tokens and
   * sessions, even unexpired ones) and closes their open sockets on every tab.
   */
  async revokeUserSockets(userId: string): Promise<void> {
    assertUserId(userId);
    const parts = this.resolve();
    await parts.stores.revocations.revoke(userId, Date.now());
    parts.target.in(this.personalRoom(userId, parts)).disconnectSockets(true);
    getLogger().info({ event: 'sign_out_revocation', userId }, 'sign-out: credentials revoked, sockets closed');
  }

  /** Whether a credential of `userId` issued at `issuedAtMs` (epoch ms) was revoked by a later sign-out (or a loss of the store's data). */
  async isRevoked(userId: string, issuedAtMs: number): Promise<boolean> {
    const notBefore = await this.resolve().stores.revocations.notBefore(userId);
    return notBefore !== undefined && issuedAtMs <= notBefore;
  }

  /** Whether `userId` has at least one open socket on any node (correct within a few seconds after a node dies). */
  async isOnline(userId: string): Promise<boolean> {
    assertUserId(userId);
    const [online] = await this.resolve().stores.presence.isOnline([userId]);
    return online === true;
  }

  /** `isOnline` for many users at once, in the order asked. */
  areOnline(userIds: readonly string[]): Promise<boolean[]> {
    userIds.forEach(assertUserId);
    return this.resolve().stores.presence.isOnline(userIds);
  }

  /** Takes one token from the rate-limit bucket `key` (shared by every node in a cluster). */
  takeToken(key: string, limit: RateLimit): Promise<TakeResult> {
    return this.resolve().stores.rateLimits.take(key, limit);
  }

  /**
   * Joins `user` to `room` as one operation: the room policy (`canJoin`), the per-user
   * room cap (enforced atomically by the store), the stored membership, then every open
   * socket of the user, then (when it was not a member yet) `membership:changed` to every tab
   * of the user. Throws a RoomAccessError when refused; nothing changed then.
   */
  async enterRoom(user: U, room: string): Promise<{ room: string; count: number }> {
    assertUserId(user.id);
    assertRoomName(room);
    const parts = this.resolve();
    if (!(await this.rooms(parts).canJoin(user, room))) throw new RoomAccessError('FORBIDDEN', `You may not join ${room}`);
    const result = await parts.stores.membership.join(user.id, room, parts.maxRoomsPerUser);
    if (!result.ok) throw new RoomAccessError('BAD_REQUEST', `You can be in at most ${parts.maxRoomsPerUser} rooms`);
    // Stored first, then live sockets: a socket connecting meanwhile reads the store after joining its personal room.
    parts.target.in(this.personalRoom(user.id, parts)).socketsJoin(room);
    if (result.added) await this.announceMembership(user.id, room, true);
    return { room, count: result.count };
  }

  /**
   * Takes `userId` out of `room`: the stored membership and every open socket, then (when it
   * was a member) `membership:changed` to every tab of the user.
   */
  async exitRoom(userId: string, room: string): Promise<{ room: string; count: number }> {
    assertUserId(userId);
    assertRoomName(room);
    const parts = this.resolve();
    const { removed, count } = await parts.stores.membership.leave(userId, room);
    parts.target.in(this.personalRoom(userId, parts)).socketsLeave(room);
    if (removed) await this.announceMembership(userId, room, false);
    return { room, count };
  }

  /** Whether `userId` is a member of `room` (stored membership). */
  isMember(userId: string, room: string): Promise<boolean> {
    assertUserId(userId);
    assertRoomName(room);
    return this.resolve().stores.membership.isMember(userId, room);
  }

  /** How many members `room` has (without listing them). */
  countMembers(room: string): Promise<number> {
    assertRoomName(room);
    return this.resolve().stores.membership.countMembers(room);
  }

  /** The members of `room` (sorted). */
  membersOf(room: string): Promise<string[]> {
    assertRoomName(room);
    return this.resolve().stores.membership.membersOf(room);
  }

  /** The rooms `userId` is in (sorted). */
  roomsOf(userId: string): Promise<string[]> {
    assertUserId(userId);
    return this.resolve().stores.membership.roomsOf(userId);
  }

  /**
   * Emits `event` to `room` on behalf of `user`, if the policy's `canPost` allows it (members only by
   * default); with `history: true` it is also kept in the room's history.
   */
  async postToRoom<K extends EventName<E>>(user: U, room: string, event: K, data: EmitPayload<E, K>, options: PostOptions = {}): Promise<void> {
    assertUserId(user.id);
    assertRoomName(room);
    const parts = this.resolve();
    const isMember = await parts.stores.membership.isMember(user.id, room);
    if (!(await this.rooms(parts).canPost(user, room, isMember))) throw new RoomAccessError('FORBIDDEN', `Join ${room} before posting to it`);
    const { history = false, ...emitOptions } = options;
    if (history) {
      if (parts.validatePayloads) await validateEventPayload(parts.events, event, data);
      assertEventBounds({ kind: 'room', room }, event, data, parts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES); // refused before it is kept
      await parts.stores.history.append(room, { event, data }, parts.roomHistoryLimit);
    }
    await this.emitToRoom(room, event, data, emitOptions);
  }

  /**
   * The newest messages of `room`'s history below `before` (a page of older ones), at most
   * `limit` (default and cap: the runtime's `roomHistoryLimit`), if the policy's `canRead` allows it (members
   * only by default; a RoomAccessError otherwise).
   */
  async roomHistory(user: U, room: string, query: { before?: number; limit?: number } = {}): Promise<RoomHistory<E>> {
    assertUserId(user.id);
    assertRoomName(room);
    const parts = this.resolve();
    const isMember = await parts.stores.membership.isMember(user.id, room);
    if (!(await this.rooms(parts).canRead(user, room, isMember))) throw new RoomAccessError('FORBIDDEN', `Join ${room} to read its messages`);
    const limit = Math.min(query.limit ?? parts.roomHistoryLimit, parts.roomHistoryLimit);
    const page = await parts.stores.history.read(room, { before: query.before, limit });
    // Only this gateway writes the history, and only payloads that passed their event's type.
    return { entries: page.entries as RoomHistoryItem<E>[], hasMore: page.hasMore };
  }

  /**
   * Tells every tab of `userId` that it joined or left `room`, through the event log like any
   * emit: sent after the store and the socket moves, so it comes before (in log order) any post
   * the tabs receive from the room afterwards, and a tab that is reconnecting gets it on replay.
   * A no-op join or leave announces nothing, so repeating one does not grow the log.
   */
  private announceMembership(userId: string, room: string, member: boolean): Promise<void> {
    return this.publish({ kind: 'user', userId }, MEMBERSHIP_EVENT, { room, member }, {});
  }

  /**
   * Checks (the schema in development and tests; the bounds always), then hands the event to the
   * sink. A bad emit throws at once when its schema answers synchronously; a schema that validates
   * asynchronously rejects the returned promise instead. Nothing is stored either way.
   */
  private publish(to: EventAddress, event: string, data: unknown, options: EmitOptions): Promise<void> {
    const parts = this.resolve();
    const checked = parts.validatePayloads ? validateEventPayload(parts.events, event, data) : undefined;
    // Always, whatever validatePayloads says: size and room are bounds, not type checks (event-bounds.ts).
    const json = assertEventBounds(to, event, data, parts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    if (options.exceptSocketId !== undefined) assertSocketId(options.exceptSocketId);
    const input = { to, event, data, ...(options.exceptSocketId ? { exceptSocketId: options.exceptSocketId } : {}) };
    // The payload as it was checked is what is stored (json), even if the caller changes it while an async schema runs.
    return checked ? checked.then(() => parts.sink.publish(input, json)) : parts.sink.publish(input, json);
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

/**
 * The process-wide gateway, typed loosely (any event name and payload; the runtime's `events`
 * still check them). An app types it once: `export const gateway = new SocketGateway<typeof events>()`.
 * Throws a clear error if no socket server (or emitter) was started.
 */
export const gateway = new SocketGateway();
