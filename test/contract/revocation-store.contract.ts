/**
 * What every RevocationStore backend must do, whatever it is built on. Each test gets a fresh,
 * empty store from the factory; the reference behaviour is the memory store's.
 */
import { describe, expect, it } from 'vitest';
import { REVOCATION_RETENTION_MS, type RevocationStore } from 'socket-gateway/advanced';
import { withStore, type StoreFactory } from './store-handle';

export function describeRevocationStoreContract(name: string, factory: StoreFactory<RevocationStore>): void {
  const run = <T>(body: (store: RevocationStore, peer: RevocationStore) => Promise<T>) => withStore(factory, body);

  describe(`RevocationStore contract: ${name}`, () => {
    it('an unknown user was never revoked', () =>
      run(async (store) => {
        expect(await store.revokedAt('nobody')).toBeUndefined();
      }));

    it('remembers a revocation, and only ever moves it forward', () =>
      run(async (store) => {
        const now = Date.now();
        await store.revoke('bob', now - 5_000);
        expect(await store.revokedAt('bob')).toBe(now - 5_000);
        await store.revoke('bob', now);
        expect(await store.revokedAt('bob')).toBe(now);
        await store.revoke('bob', now - 1_000); // an older one (a late or replayed call) never moves it back
        expect(await store.revokedAt('bob')).toBe(now);
        await store.revoke('bob', now);
        expect(await store.revokedAt('bob')).toBe(now);
      }));

    it('keeps two users independent', () =>
      run(async (store) => {
        const now = Date.now();
        await store.revoke('bob', now);
        await store.revoke('alice', now - 10);
        expect(await store.revokedAt('bob')).toBe(now);
        expect(await store.revokedAt('alice')).toBe(now - 10);
        expect(await store.revokedAt('carol')).toBeUndefined();
      }));

    it('keeps unicode and colon-laden ids apart', () =>
      run(async (store) => {
        const now = Date.now();
        const users = ['a', 'a:b', 'revoked:a', '😀', 'ü', 'u\u0308'];
        for (const [i, user] of users.entries()) await store.revoke(user, now - i);
        for (const [i, user] of users.entries()) expect(await store.revokedAt(user)).toBe(now - i);
        expect(await store.revokedAt('a:')).toBeUndefined();
      }));

    it('keeps the max under concurrent revokes from two handles', () =>
      run(async (store, peer) => {
        const now = Date.now();
        const times = Array.from({ length: 100 }, (_, i) => now - ((i * 7919) % 100) * 1_000);
        await Promise.all(times.map((at, i) => (i % 2 ? peer : store).revoke('bob', at)));
        expect(await store.revokedAt('bob')).toBe(Math.max(...times));
        expect(await peer.revokedAt('bob')).toBe(Math.max(...times));
      }));

    it('still refuses within the retention window', () =>
      run(async (store) => {
        const at = Date.now() - REVOCATION_RETENTION_MS + 60_000;
        await store.revoke('bob', at);
        expect(await store.revokedAt('bob')).toBe(at);
      }));

    it("refuses by the later of the user's sign-out and the global not-before, which starts no later than now", () =>
      run(async (store, peer) => {
        const created = await store.notBefore('nobody');
        expect(created).toBeDefined();
        expect(created!).toBeLessThan(Date.now()); // a credential issued from now on passes
        expect(store.credentialsResetAt()).toBe(created);
        const now = Date.now();
        await store.revoke('bob', now);
        expect(await store.notBefore('bob')).toBe(now);
        expect(await store.notBefore('alice')).toBe(created);
        await peer.revokeAll(now + 5);
        expect(await store.notBefore('bob')).toBe(now + 5);
        expect(await store.notBefore('alice')).toBe(now + 5);
        await store.revokeAll(now - 5); // never moves back
        expect(await peer.notBefore('carol')).toBe(now + 5);
        await store.revoke('bob', now + 10);
        expect(await peer.notBefore('bob')).toBe(now + 10);
        await store.check();
        expect(store.credentialsResetAt()).toBe(now + 5);
        expect(await store.revokedAt('alice')).toBeUndefined(); // revokedAt stays the user's own
      }));

    it('forgets a revocation older than the longest credential lifetime', () =>
      run(async (store) => {
        await store.revoke('bob', 0);
        await store.revoke('alice', Date.now() - REVOCATION_RETENTION_MS - 1_000);
        expect(await store.revokedAt('bob')).toBeUndefined();
        expect(await store.revokedAt('alice')).toBeUndefined();
        // A fresh revocation after a forgotten one counts again.
        const now = Date.now();
        await store.revoke('bob', now);
        expect(await store.revokedAt('bob')).toBe(now);
      }));
  });
}
