import { REVOCATION_RETENTION_MS, type RevocationStore } from '../types';

/** Sign-outs in this process's memory (tests; lost on restart). */
export function createMemoryRevocationStore(): RevocationStore {
  const revoked = new Map<string, number>();
  return {
    async revoke(userId, atMs) {
      // Forget revocations every credential they could refuse has outlived, so the map stays small.
      for (const [id, at] of revoked) if (at < atMs - REVOCATION_RETENTION_MS) revoked.delete(id);
      revoked.set(userId, Math.max(atMs, revoked.get(userId) ?? 0));
    },
    async revokedAt(userId) {
      const at = revoked.get(userId);
      return at !== undefined && at >= Date.now() - REVOCATION_RETENTION_MS ? at : undefined;
    },
  };
}
