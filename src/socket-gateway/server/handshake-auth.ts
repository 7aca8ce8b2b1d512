/**
 * The Socket.IO handshake middleware: who the socket is, and whether it may connect now. A
 * valid, unrevoked token (else 'Unauthorized'); then, once the log reader runs, the per-user
 * handshake rate, the per-user connection cap (counted atomically across every node), and the
 * user's rooms, handed to `connection` as `socket.data.pending`. The bearer token is dropped once
 * checked. A store that cannot answer is not the client's fault: it is told to retry.
 */
import type { RefusalReporter } from './handshake-refusals';
import { parseResume } from '../delivery/replay';
import { wantsReplay } from '../delivery/replay-opt-in';
import { verifySocketToken } from './socket-token';
import type { PresenceStore } from '../stores/presence';
import type { MembershipStore, RevocationStore } from '../stores/types';
import type { GatewaySocket } from '../types';

/** What `socket.handshake.auth` holds once checked: one frozen empty object for every socket, not one each. */
const NO_AUTH: Record<string, never> = Object.freeze({});

export const UNAUTHORIZED = 'Unauthorized';
export const TEMPORARILY_UNAVAILABLE = 'Temporarily unavailable, try again shortly';

/**
 * Whether a credential of `userId` issued at `issuedAtMs` is refused by a sign-out. In
 * milliseconds (the token's `iat_ms`): a token minted earlier in the sign-out's own second is
 * refused too. notBefore: the user's sign-out or the store's global not-before (a store that lost
 * its data), the later.
 */
export function createRevocationCheck(revocations: RevocationStore): (userId: string, issuedAtMs: number) => Promise<boolean> {
  return async (userId, issuedAtMs) => {
    const notBefore = await revocations.notBefore(userId);
    return notBefore !== undefined && issuedAtMs <= notBefore;
  };
}

export interface HandshakeAuthOptions {
  /** The HS256 key of socket tokens. */
  key: Uint8Array;
  issuedBeforeRevocation: (userId: string, issuedAtMs: number) => Promise<boolean>;
  /** Resolves once the log reader runs: a socket never connects before its events can reach it. */
  ready: Promise<void>;
  /** The per-user handshake rate (handshake-rate-limit.ts): an error to refuse with, or null. */
  takeHandshake: (userId: string) => Promise<Error | null>;
  presence: PresenceStore;
  membership: MembershipStore;
  nodeId: string;
  maxConnectionsPerUser: number;
  refused: RefusalReporter;
  onError: (error: Error) => void;
}

export function createHandshakeAuth(options: HandshakeAuthOptions): (socket: GatewaySocket, next: (error?: Error) => void) => Promise<void> {
  const { key, issuedBeforeRevocation, ready, takeHandshake, presence, membership, nodeId, maxConnectionsPerUser, refused, onError } = options;
  return async (socket, next) => {
    const user = await verifySocketToken(socket.handshake.auth, key);
    if (!user || (await issuedBeforeRevocation(user.userId, user.issuedAtMs))) {
      refused('unauthorized', UNAUTHORIZED);
      return next(new Error(UNAUTHORIZED));
    }
    const resume = parseResume(socket.handshake.auth);
    const optedIn = wantsReplay(socket.handshake.auth);
    socket.handshake.auth = NO_AUTH; // the bearer token is not kept once checked
    try {
      await ready;
      const tooMany = await takeHandshake(user.userId);
      if (tooMany) {
        refused('rate', tooMany.message);
        return next(tooMany);
      }
      // Counted atomically across every node: concurrent handshakes never pass the cap.
      const slot = await presence.connected(user.userId, nodeId, maxConnectionsPerUser);
      if (!slot.ok) {
        const reason = `Too many connections: at most ${maxConnectionsPerUser} per user`;
        refused('cap', reason);
        return next(new Error(reason));
      }
      socket.data.userId = user.userId;
      socket.data.pending = {
        rooms: await membership.roomsOf(user.userId),
        resume,
        optedIn,
        issuedAtMs: user.issuedAtMs,
        firstSocket: slot.count === 1,
      };
    } catch (error) {
      if (socket.data.userId) void presence.disconnected(user.userId, nodeId).catch(onError);
      // A store that cannot answer (Redis down) is not the client's fault: it is told to come
      // back later (`data.retry`, which the browser store honours) and learns nothing internal.
      onError(error instanceof Error ? error : new Error(String(error)));
      refused('unavailable', TEMPORARILY_UNAVAILABLE);
      return next(Object.assign(new Error(TEMPORARILY_UNAVAILABLE), { data: { retry: true } }));
    }
    next();
  };
}
