/** @vitest-environment jsdom */
/**
 * Issue 20 item 3: the same React API over the tRPC SSE transport. A real SocketProvider with
 * `transport={sseTransport(...)}`, a real tRPC HTTP server (port 0) serving the events
 * subscription over a real memory log, events emitted through a real Socket.IO server's gateway:
 * useSocketEvent gets typed payloads, useSocketStatus follows the stream (a drop shows as
 * `reconnecting`, then `connected`, with nothing missed), onSync says when a sync resumed, and a
 * sign-out ends in `disconnected` with the server's reason.
 */
import './support/node-typed-arrays';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { SocketGateway } from 'socket-gateway';
import { createMemoryEventLog } from 'socket-gateway/advanced';
import type { MessagePayload } from '@/events';
import { sseTransport, type SocketStatusSnapshot, type SocketStore, type SyncNotice } from 'socket-gateway/react';
import { SocketProvider, useSocketEvent } from '@/app/_components/socket';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import { startSseServer, until, type SseServer } from '../helpers/sse-server';
import { StatusRecorder, statusPath } from './support/socket-harness';

let sockets: TestServer;
let sse: SseServer;
let gateway: SocketGateway;

beforeEach(async () => {
  const log = createMemoryEventLog();
  sockets = await startSocketServer({ log, register: false });
  gateway = new SocketGateway(() => sockets);
  sse = await startSseServer({ log, stores: sockets.stores, revocationCheckMs: 50 });
});

afterEach(async () => {
  cleanup();
  await sse.stop();
  await sockets.stop();
});

const note = (message: string): MessagePayload => ({ id: message, from: 'bob', message, sentAt: 1 });

function Notes({ into }: { into: string[] }) {
  useSocketEvent('notification', (payload) => {
    expectTypeOf(payload).toEqualTypeOf<MessagePayload>();
    into.push(payload.message);
  });
  return null;
}

function renderOverSse(
  userId: string,
  { notes, statuses, syncs, issuedAt }: { notes: string[]; statuses: SocketStatusSnapshot[]; syncs: SyncNotice[]; issuedAt?: number },
) {
  const { client, sources } = sse.client(userId, issuedAt ? { issuedAt } : {});
  const transport = sseTransport((input, handlers) => client.events.subscribe(input, handlers));
  render(
    // The ref is set in the commit, before the effect that subscribes: no sync is missed.
    <SocketProvider
      userId={userId}
      getToken={async () => 'unused'}
      transport={transport}
      ref={(store: SocketStore | null) => void store?.onSync((sync) => syncs.push(sync))}
    >
      <StatusRecorder into={statuses} />
      <Notes into={notes} />
    </SocketProvider>,
  );
  return { sources };
}

describe('SocketProvider over the tRPC SSE transport', () => {
  it('feeds useSocketEvent and useSocketStatus; a dropped stream reconnects and misses nothing', async () => {
    const notes: string[] = [];
    const statuses: SocketStatusSnapshot[] = [];
    const syncs: SyncNotice[] = [];
    const { sources } = renderOverSse('alice', { notes, statuses, syncs });
    await screen.findByText('connected');
    await until(() => syncs.length === 1, 'the first sync');
    expect(syncs[0]).toMatchObject({ resumed: false, resync: false });
    await gateway.emitToUser('alice', 'notification', note('one'));
    await gateway.emitToUser('bob', 'notification', note('for-bob'));
    await waitFor(() => expect(notes).toEqual(['one']));

    sources.at(-1)!.drop({ hold: true });
    await screen.findByText('reconnecting');
    await gateway.emitToUser('alice', 'notification', note('two'));
    await gateway.broadcast('notification', note('three'));
    sources.at(-1)!.release();
    await waitFor(() => expect(notes).toEqual(['one', 'two', 'three']));
    await until(() => syncs.length === 2, 'the sync of the resume');
    expect(syncs[1]).toMatchObject({ resumed: true, resync: false, replayed: 2 });
    await screen.findByText('connected');
    expect(statusPath(statuses)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('a sign-out ends in disconnected, with the reason', async () => {
    const notes: string[] = [];
    const statuses: SocketStatusSnapshot[] = [];
    const syncs: SyncNotice[] = [];
    renderOverSse('carol', { notes, statuses, syncs, issuedAt: Date.now() });
    await screen.findByText('connected');
    await gateway.revokeUserSockets('carol');
    await screen.findByText('disconnected (Unauthorized)');
    await gateway.emitToUser('carol', 'notification', note('after'));
    expect(notes).toEqual([]);
  });
});
