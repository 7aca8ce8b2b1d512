import { describe, expect, it } from 'vitest';
import { createMemoryRevocationStore } from '@/socket-gateway/revocation-store';

describe('memory revocation store', () => {
  it('remembers the latest revocation per user', async () => {
    const store = createMemoryRevocationStore();
    expect(await store.revokedAt('bob')).toBeUndefined();
    await store.revoke('bob', 2_000);
    await store.revoke('bob', 1_000); // an older one never moves it back
    expect(await store.revokedAt('bob')).toBe(2_000);
    expect(await store.revokedAt('alice')).toBeUndefined();
  });

  it('forgets revocations older than the longest token lifetime', async () => {
    const store = createMemoryRevocationStore();
    await store.revoke('bob', 0);
    await store.revoke('alice', 86_400_001);
    expect(await store.revokedAt('bob')).toBeUndefined();
    expect(await store.revokedAt('alice')).toBe(86_400_001);
  });
});
