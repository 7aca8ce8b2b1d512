import type { PresenceStore } from './presence';
import type { RoomHistoryStore } from './room-history';

/**
 * The state the gateway keeps apart from Socket.IO, behind small interfaces with one
 * implementation per backend (memory for tests, an embedded database for one node, Redis for
 * a cluster). Every implementation passes the same contract suite (test/contract).
 */

/** Outcome of `MembershipStore.join`. */
export type JoinResult =
  /** The user is in the room now (`added` false when already in it); `count` rooms in all. */
  | { ok: true; added: boolean; count: number }
  /** Refused: the user is already in `count` >= maxRooms rooms. Nothing changed. */
  | { ok: false; reason: 'limit'; count: number };

/**
 * Room membership is app state: which rooms a USER is in, independent of their sockets, so a
 * reload, a new tab or a reconnect lands in the same rooms.
 */
export interface MembershipStore {
  /** Adds `room` to the user's rooms unless that would pass `maxRooms`, atomically (no read-then-write). */
  join(userId: string, room: string, maxRooms: number): Promise<JoinResult>;
  /** Removes `room` from the user's rooms; resolves with how many rooms remain. */
  leave(userId: string, room: string): Promise<{ removed: boolean; count: number }>;
  /** The user's rooms, sorted. */
  roomsOf(userId: string): Promise<string[]>;
  isMember(userId: string, room: string): Promise<boolean>;
  /** The room's members, sorted. */
  membersOf(room: string): Promise<string[]>;
  /** How many members the room has (without listing them). */
  countMembers(room: string): Promise<number>;
  /** Releases connections or handles (idempotent). */
  close?(): Promise<void>;
}

/**
 * When each user last signed out. A socket token or a session issued before that moment is
 * refused even though it has not expired yet.
 *
 * Losing the store's data must not bring revoked credentials back (attacks-3 F5): besides the
 * per-user sign-outs, every store keeps one global not-before. A store that finds its own data
 * missing (a fresh or emptied database, a flushed Redis) sets it to that moment; the Redis store
 * also sets it when it finds itself rolled back (restored from an older snapshot). `revokeAll`
 * sets it by hand (sign everyone out). Every credential issued at or before it is refused: after a
 * loss everyone signs in again, nobody's sign-out is undone.
 */
export interface RevocationStore {
  /** Refuses every credential of `userId` issued at or before `atMs` (epoch ms). Later calls never move it back. */
  revoke(userId: string, atMs: number): Promise<void>;
  /** The last revocation of `userId`, or undefined (forgotten once no credential it refuses can still be alive). */
  revokedAt(userId: string): Promise<number | undefined>;
  /** Refuses every credential of every user issued at or before `atMs`. Never moves back. */
  revokeAll(atMs: number): Promise<void>;
  /**
   * What a credential of `userId` must have been issued after (epoch ms; `issuedAt <= notBefore`
   * is refused): the later of the user's last revocation and the global not-before, in one read.
   */
  notBefore(userId: string): Promise<number | undefined>;
  /**
   * Checks that the store still holds what this handle has seen (cheap; run it periodically): a
   * store that lost its data, or went back in time, raises the global not-before now.
   */
  check(): Promise<void>;
  /** The global not-before as this handle last saw it (epoch ms), for health reports. */
  credentialsResetAt(): number | undefined;
  close?(): Promise<void>;
}

/** A token bucket's shape: `ratePerSecond` tokens come back each second, up to `burst`. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/** Outcome of `RateLimitStore.take`. */
export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * Token buckets, one per key (for example `emit:user-1` or `to:bob`). Shared through Redis in
 * a cluster, so adding nodes does not multiply the limits.
 */
export interface RateLimitStore {
  /** Takes one token from `key`'s bucket, atomically; refused (nothing taken) when it is empty. */
  take(key: string, limit: RateLimit): Promise<TakeResult>;
  /** What `take` would answer now, taking nothing (`remaining` counts the token `take` would take: a full bucket says `burst`). */
  peek(key: string, limit: RateLimit): Promise<TakeResult>;
  /** Puts one token back (never past `burst`): undoes a `take` for something that turned out not to count. */
  give(key: string, limit: RateLimit): Promise<void>;
  close?(): Promise<void>;
}

/** The stores one gateway uses. */
export interface GatewayStores {
  membership: MembershipStore;
  revocations: RevocationStore;
  rateLimits: RateLimitStore;
  /** Who is online, and the per-user connection cap across nodes. */
  presence: PresenceStore;
  /** The latest messages of each room (bounded per room), for pages that open after they were sent. */
  history: RoomHistoryStore;
}

/** Longest credential lifetime that a revocation must outlive (sessions are 8 h, socket tokens at most 24 h). */
export const REVOCATION_RETENTION_MS = 86_400_000;
