/**
 * The seam between replay and live delivery, with the replay held at a chosen moment: an event
 * emitted while a reconnecting socket is still being replayed to reaches it once, after what it
 * missed — broadcasts included, which go to every socket of a node rather than to a room the
 * socket joins at the seam. (Found by the cluster replay property: a broadcast arrived live before
 * the replayed events, then once more from the replay.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { createMemoryEventLog, type EventLog } from 'socket-gateway/advanced';
import { type SyncInfo } from 'socket-gateway';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

/** A memory log whose readRange (what a replay reads) waits while `hold` is set. */
function holdableLog() {
  const log = createMemoryEventLog();
  let hold: Promise<void> | undefined;
  let release = () => {};
  let reads = 0;
  const wrapped: EventLog = {
    ...log,
    async readRange(after, until, limit) {
      reads += 1;
      if (hold) await hold;
      return log.readRange(after, until, limit);
    },
  };
  return {
    log: wrapped,
    hold() {
      hold = new Promise((resolve) => (release = resolve));
    },
    release() {
      hold = undefined;
      release();
    },
    reads: () => reads,
  };
}

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  server = undefined;
});

/** Connects as `userId`, opted into replay (resuming from `resume` if given); records every event and the sync. */
async function open(url: string, userId: string, resume?: { epoch: string; position: string }) {
  const token = (await mintSocketToken(userId)).token;
  const client: TestClient = connect(url, {
    auth: { token, replay: true, ...(resume ? { resume } : {}) },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  clients.push(client);
  const got: string[] = [];
  client.onAny((event: string, payload: { message?: string } | SyncInfo) =>
    got.push(event === 'gateway:sync' ? `sync:${(payload as SyncInfo).replayed}` : `${event}:${(payload as { message?: string }).message}`),
  );
  const sync = new Promise<SyncInfo>((resolve) => (client as unknown as { once(e: string, l: (s: SyncInfo) => void): void }).once('gateway:sync', resolve));
  return { client, got, sync };
}

describe('the seam between replay and live delivery', () => {
  it.each([
    ['a broadcast', () => gateway.broadcast('announcement', message('live'))],
    ['a notification to the user', () => gateway.emitToUser('bob', 'notification', message('live'))],
  ])('%s emitted while a reconnecting socket is being replayed to arrives once, after the replayed events', async (_name, emitLive) => {
    const held = holdableLog();
    // replayWindow 0: the replay reads the log (memory would answer at once, with nothing to hold).
    server = await startSocketServer({ log: held.log, replayWindow: 0 });
    const first = await open(server.url, 'bob');
    const { epoch, position } = await first.sync;
    first.client.close();
    await settle(50);
    await gateway.emitToUser('bob', 'notification', message('missed'));

    held.hold();
    const readsBefore = held.reads();
    const again = await open(server.url, 'bob', { epoch, position });
    // The replay has started and waits in readRange: now a live event comes.
    while (held.reads() === readsBefore) await settle(5);
    await emitLive();
    await settle(100);
    held.release();
    await again.sync;
    await settle(100);
    // The replay reads on up to where the node's reader got meanwhile: the live event comes from it, in order.
    const live = again.got.find((entry) => entry.endsWith(':live'));
    expect(again.got).toEqual(['notification:missed', live, 'sync:2']);
  });
});
