/**
 * The connection status a store hands React (`useSyncExternalStore`): one frozen snapshot,
 * replaced only when a field changes, so every transport's store (Socket.IO, SSE) notifies its
 * listeners the same way and React never re-renders for an equal status.
 * @see https://react.dev/reference/react/useSyncExternalStore
 */
import type { SocketStatusSnapshot } from './socket-store';

export const DISCONNECTED: SocketStatusSnapshot = Object.freeze({ status: 'disconnected', error: null, resyncedAt: null });
const CONNECTING: SocketStatusSnapshot = Object.freeze({ status: 'connecting', error: null, resyncedAt: null });

export interface StatusSource {
  /** Merges `next` in; listeners hear of it only when a field changed. */
  set(next: Partial<SocketStatusSnapshot>): void;
  getSnapshot(): SocketStatusSnapshot;
  /** What the server render saw: connecting when a user was signed in at the start, else disconnected. */
  getInitialSnapshot(): SocketStatusSnapshot;
  subscribe(onChange: () => void): () => void;
}

export function createStatusSource(initialUserId: string | null | undefined): StatusSource {
  const initial = initialUserId ? CONNECTING : DISCONNECTED;
  let snapshot = initial;
  const listeners = new Set<() => void>();
  return {
    set(next) {
      const merged = { ...snapshot, ...next };
      if (merged.status === snapshot.status && merged.error === snapshot.error && merged.resyncedAt === snapshot.resyncedAt) return;
      snapshot = Object.freeze(merged);
      for (const listener of listeners) listener();
    },
    getSnapshot: () => snapshot,
    getInitialSnapshot: () => initial,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}
