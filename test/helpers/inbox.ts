/**
 * What a real client received, in order, and a way to show that nothing else is on its way
 * without sleeping: a marker event sent AFTER the emits under test travels the same path (the
 * event log, then this node's reader, then the socket, in order), so once the marker is in, any
 * event sent before it would be too.
 */
import { SYNC_EVENT } from 'socket-gateway/advanced';
import { type SocketGateway } from 'socket-gateway';
import type { AppEvents } from '@/events';
import type { TestClient } from './socket-server';

export interface Received {
  event: string;
  args: unknown[];
}

export interface Inbox {
  /** Everything received so far (the replay protocol's `gateway:sync` left out). */
  readonly received: readonly Received[];
  /**
   * Sends a marker to `userId` (this client's user) through `gateway`, waits for it, and returns
   * what arrived since the previous call, without markers.
   */
  drain(gateway: SocketGateway<AppEvents>, userId: string, timeoutMs?: number): Promise<Received[]>;
}

let markers = 0;
const MARKER_FROM = 'test-inbox-marker';

export function createInbox(client: TestClient): Inbox {
  const received: Received[] = [];
  client.onAny((event: string, ...args: unknown[]) => {
    if (event !== SYNC_EVENT) received.push({ event, args });
  });
  let read = 0;
  return {
    received,
    async drain(gateway, userId, timeoutMs = 10_000) {
      const id = `marker-${++markers}`;
      await gateway.emitToUser(userId, 'notification', { id, from: MARKER_FROM, message: 'marker', sentAt: 0 });
      const isMarker = (item: Received) => item.event === 'notification' && (item.args[0] as { id?: unknown } | undefined)?.id === id;
      const deadline = Date.now() + timeoutMs;
      while (!received.some(isMarker)) {
        if (Date.now() > deadline) throw new Error(`the marker did not reach ${userId}'s client within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const at = received.findIndex(isMarker);
      // Markers sent for another tab of the same user are left out too.
      const before = received
        .slice(read, at)
        .filter((item) => !(item.event === 'notification' && (item.args[0] as { from?: unknown } | undefined)?.from === MARKER_FROM));
      read = at + 1;
      return before;
    },
  };
}
