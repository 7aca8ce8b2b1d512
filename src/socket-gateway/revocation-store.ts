/**
 * When each user's socket tokens were last revoked (sign-out). A handshake token issued
 * before that moment is refused even though it has not expired yet. In memory by default;
 * implement this interface over a shared store to run several servers.
 */
export interface RevocationStore {
  /** Refuses every token of `userId` issued before `atMs` (epoch milliseconds). */
  revoke(userId: string, atMs: number): Promise<void>;
  /** The last revocation of `userId`, or undefined. */
  revokedAt(userId: string): Promise<number | undefined>;
}

/** Longest token lifetime (SOCKET_TOKEN_TTL_SECONDS max): older revocations no longer matter. */
const MAX_TOKEN_LIFETIME_MS = 86_400_000;

export function createMemoryRevocationStore(): RevocationStore {
  const revoked = new Map<string, number>();
  return {
    async revoke(userId, atMs) {
      // Forget revocations every token they could refuse has outlived, so the map stays small.
      for (const [id, at] of revoked) if (at < atMs - MAX_TOKEN_LIFETIME_MS) revoked.delete(id);
      revoked.set(userId, Math.max(atMs, revoked.get(userId) ?? 0));
    },
    async revokedAt(userId) {
      return revoked.get(userId);
    },
  };
}
