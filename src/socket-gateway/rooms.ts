/**
 * Room names and room rules. `user:{id}` is each user's personal room; app rooms are a small
 * safe alphabet and may never start with the reserved `user:` prefix.
 *
 * Who may join, post to and read which room is a `RoomPolicy` the app passes as an option
 * (`rooms: { canJoin, canPost, canRead, personalRoom }`); `createRoomPolicy` fills in the
 * defaults below for whatever it leaves out.
 */

export const USER_ROOM_PREFIX = 'user:';
export const MAX_ROOM_NAME_LENGTH = 64;
const ROOM_NAME_PATTERN = /^[A-Za-z0-9_\-:.]{1,64}$/;

/** The personal room of a user: every socket of that user is in it. */
export function userRoom(userId: string): string {
  return `${USER_ROOM_PREFIX}${userId}`;
}

export function isReservedRoom(room: string): boolean {
  return room.startsWith(USER_ROOM_PREFIX);
}

/** Why `room` is not a usable app room name, or null when it is. */
export function roomNameError(room: unknown): string | null {
  if (typeof room !== 'string') return 'Room name must be a string';
  if (!ROOM_NAME_PATTERN.test(room)) {
    return `Room name must be 1-${MAX_ROOM_NAME_LENGTH} characters of letters, digits and - _ : .`;
  }
  if (isReservedRoom(room)) return `Room names starting with "${USER_ROOM_PREFIX}" are reserved`;
  return null;
}

export function isValidRoomName(room: unknown): room is string {
  return roomNameError(room) === null;
}

/** Throws a TypeError naming the problem when `room` is not a usable app room. */
export function assertRoomName(room: unknown): asserts room is string {
  const error = roomNameError(room);
  if (error) throw new TypeError(`${error}: ${JSON.stringify(room)}`);
}

/** The least the gateway knows of a user; an app's policy may read more (a role, a team) from its own user type. */
export interface RoomUser {
  id: string;
}

/** A decision that may need a lookup (a database, a service). */
type Decision = boolean | Promise<boolean>;

/**
 * The app's room rules. Each is asked with the user the app vouches for (its own type `U`, which
 * carries whatever the rules read). The gateway checks the room's name before asking, so a rule
 * only ever sees a valid app room.
 */
export interface RoomPolicy<U extends RoomUser = RoomUser> {
  /**
   * The personal room of a user: every socket of that user is in it, and emits to the user go
   * there. It must start with the reserved `user:` prefix (so no app room can ever be it);
   * the gateway refuses a name that does not. Default `user:{id}`.
   */
  personalRoom(userId: string): string;
  /** Who may join which room. Default: any user, any valid app room. */
  canJoin(user: U, room: string): Decision;
  /** Who may write to which room (`isMember` comes from the membership store). Default: its members. */
  canPost(user: U, room: string, isMember: boolean): Decision;
  /** Who may read a room's history. Default: its members, like posting. */
  canRead(user: U, room: string, isMember: boolean): Decision;
}

/** Default: any user may join any valid app room. */
export function canJoinRoom(user: RoomUser, room: string): boolean {
  return user.id.length > 0 && isValidRoomName(room);
}

/** Default: a room's members may write to it. */
export function canPostToRoom(user: RoomUser, room: string, isMember: boolean): boolean {
  return user.id.length > 0 && isValidRoomName(room) && isMember;
}

/** Default: a room's members may read its history, like posting. */
export function canReadRoom(user: RoomUser, room: string, isMember: boolean): boolean {
  return user.id.length > 0 && isValidRoomName(room) && isMember;
}

const POLICY_KEYS = ['personalRoom', 'canJoin', 'canPost', 'canRead'] as const;

export const defaultRoomPolicy: RoomPolicy = {
  personalRoom: userRoom,
  canJoin: canJoinRoom,
  canPost: canPostToRoom,
  canRead: canReadRoom,
};

/**
 * A complete policy from the app's partial one (the defaults fill the rest). A personal room
 * name outside the reserved prefix would be an app room anyone could join, reading another
 * user's events: such a name throws instead of being used.
 */
export function createRoomPolicy<U extends RoomUser = RoomUser>(rules: Partial<RoomPolicy<U>> = {}): RoomPolicy<U> {
  // Only the policy's own keys: the app's `rooms` option also carries numbers (caps, history length).
  for (const name of POLICY_KEYS) {
    if (rules[name] !== undefined && typeof rules[name] !== 'function') throw new TypeError(`rooms.${name} must be a function`);
  }
  const personalRoom = rules.personalRoom;
  return {
    canJoin: rules.canJoin ?? canJoinRoom,
    canPost: rules.canPost ?? canPostToRoom,
    canRead: rules.canRead ?? canReadRoom,
    personalRoom: personalRoom
      ? (userId) => {
          const room = personalRoom(userId);
          if (typeof room !== 'string' || !isReservedRoom(room) || room.length === USER_ROOM_PREFIX.length) {
            throw new TypeError(`rooms.personalRoom must return a name starting with "${USER_ROOM_PREFIX}", got ${JSON.stringify(room)}`);
          }
          return room;
        }
      : userRoom,
  };
}

/** A room operation the rules refuse. `code` maps onto tRPC's error codes. */
export class RoomAccessError extends Error {
  override name = 'RoomAccessError';
  constructor(
    readonly code: 'FORBIDDEN' | 'BAD_REQUEST',
    message: string,
  ) {
    super(message);
  }
}
