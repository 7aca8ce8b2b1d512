/**
 * Room names and room rules. `user:{id}` is each user's personal room; app rooms are a small
 * safe alphabet and may never start with the reserved `user:` prefix.
 *
 * `canJoinRoom` and `canPostToRoom` are the one place a real app edits to decide who may
 * join and write to which room (for example, look up team membership).
 */
import { z } from 'zod';

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

export const roomNameSchema = z.string().superRefine((room, ctx) => {
  const error = roomNameError(room);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

export interface RoomUser {
  id: string;
  role: string;
}

/** Who may join which room. The demo lets any signed-in user join any app room. */
export function canJoinRoom(user: RoomUser, room: string): boolean {
  return user.id.length > 0 && isValidRoomName(room);
}

/** Who may write to which room: its members (`isMember` comes from the membership store). */
export function canPostToRoom(user: RoomUser, room: string, isMember: boolean): boolean {
  return user.id.length > 0 && isValidRoomName(room) && isMember;
}

/** Who may read a room's history: its members, like posting. */
export function canReadRoom(user: RoomUser, room: string, isMember: boolean): boolean {
  return user.id.length > 0 && isValidRoomName(room) && isMember;
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
