import { REVOCATION_RETENTION_MS, type RevocationStore } from '../types';

/**
 * Sign-outs in this process's memory (tests; lost on restart). Lost on restart means every
 * credential from before this store existed is refused: the global not-before starts at its
 * creation (the millisecond before it, so a token minted in that same millisecond still works).
 */
export function createMemoryRevocationStore({ now = Date.now }: { now?: () => number } = {}): RevocationStore {
  const revoked = new Map<string, number>();
  let everyone = now() - 1;
  const userRevokedAt = (userId: string) => {
    const at = revoked.get(userId);
    return at !== undefined && at >= now() - REVOCATION_RETENTION_MS ? at : undefined;
  };
  return {
    async revoke(userId, atMs) {
      // Forget revocations every credential they could refuse has outlived, so the map stays small.
      for (const [id, at] of revoked) if (at < atMs - REVOCATION_RETENTION_MS) revoked.delete(id);
      revoked.set(userId, Math.max(atMs, revoked.get(userId) ?? 0));
    },
    async revokedAt(userId) {
      return userRevokedAt(userId);
    },
    async revokeAll(atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revokeAll: atMs must be a finite epoch ms, got ${atMs}`);
      everyone = Math.max(everyone, atMs);
    },
    async notBefore(userId) {
      return Math.max(userRevokedAt(userId) ?? -Infinity, everyone);
    },
    async check() {},
    credentialsResetAt: () => everyone,
  };
}
