/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { useMutation } from '@tanstack/react-query';
import { act, cleanup, render, screen } from '@testing-library/react';
import type { Session } from 'next-auth';
import { useState } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TRPCContext } from '@/server/trpc/init';
import type { RoomMessagePayload } from '@/events';
import { useSocketEvent } from '@/app/_components/socket';
import { socketIdHeaders } from 'socket-gateway/react';
import { useTRPC } from '@/trpc/react';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { createAppTab } from './support/app-tab';
import { startTrpcApi, type TrpcApi } from './support/trpc-api';

// The tRPC context's session comes from next-auth, which needs a Next request: here everyone is alice.
vi.mock('@/server/auth', () => ({
  getServerAuthSession: async (): Promise<Session> => ({
    user: { id: 'alice', name: 'alice', role: 'user' },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
    signedInAt: Date.now(),
  }),
}));

let server: TestServer;
let api: TrpcApi;
/** The socket id each tRPC call's context carried. */
const contexts: Array<TRPCContext['socketId']> = [];

beforeAll(async () => {
  server = await startSocketServer();
  // The app's route handler, minus Next (support/trpc-api.ts), noting each call's socket id.
  api = await startTrpcApi((ctx) => contexts.push(ctx.socketId));
  await server.stores.membership.join('alice', 'lobby', 50);
});

afterAll(async () => {
  cleanup();
  await api.close();
  await server.stop();
});

/** Posts with room.post and lists every room:message this tab receives. */
function Room({ name }: { name: string }) {
  const trpc = useTRPC();
  const [received, setReceived] = useState<RoomMessagePayload[]>([]);
  useSocketEvent('room:message', (message) => setReceived((all) => [...all, message]));
  const post = useMutation(trpc.room.post.mutationOptions());
  return (
    <section data-testid={name}>
      <button type="button" onClick={() => post.mutate({ room: 'lobby', message: `from ${name}` })}>
        post from {name}
      </button>
      <p data-testid={`${name}-received`}>{received.map((m) => m.message).join('|') || 'nothing'}</p>
      <p data-testid={`${name}-posted`}>{post.data?.message ?? ''}</p>
    </section>
  );
}

describe('"to others" from the tRPC link to the gateway', () => {
  it('socketIdHeaders sends the id only when there is one', () => {
    expect(socketIdHeaders(() => undefined)).toEqual({});
    expect(socketIdHeaders(() => 'abc123')).toEqual({ 'x-socket-id': 'abc123' });
  });

  it("a tab's post reaches alice's other tab and bob once, never the tab that posted", async () => {
    const bob = await server.connectAs('bob');
    await server.stores.membership.join('bob', 'lobby', 50);
    server.io.in('user:bob').socketsJoin('lobby');
    const bobGot: string[] = [];
    bob.on('room:message', (m) => bobGot.push(m.message));

    const aliceTab = () => createAppTab({ apiUrl: api.url, socketUrl: server.url, userId: 'alice' });
    const [TabOne, TabTwo] = [aliceTab(), aliceTab()];
    render(
      <>
        <TabOne>
          <Room name="one" />
        </TabOne>
        <TabTwo>
          <Room name="two" />
        </TabTwo>
      </>,
    );
    await vi.waitFor(() => expect(server.io.of('/').adapter.rooms.get('user:alice')?.size).toBe(2));
    await settle(100);

    contexts.length = 0;
    await act(async () => screen.getByRole('button', { name: 'post from one' }).click());
    await screen.findByText('from one', { selector: '[data-testid="one-posted"]' }); // the poster has it from the answer
    await screen.findByText('from one', { selector: '[data-testid="two-received"]' });
    await vi.waitFor(() => expect(bobGot).toEqual(['from one']));
    await settle(300); // time for a wrong delivery to show up
    expect(screen.getByTestId('one-received').textContent).toBe('nothing');
    expect(screen.getByTestId('two-received').textContent).toBe('from one');
    expect(bobGot).toEqual(['from one']);
    // The context carried tab one's socket id, which the server knows as one of alice's sockets.
    expect(contexts).toHaveLength(1);
    const aliceSockets = [...(server.io.of('/').adapter.rooms.get('user:alice') ?? [])];
    expect(aliceSockets).toContain(contexts[0]);

    await act(async () => screen.getByRole('button', { name: 'post from two' }).click());
    await screen.findByText('from two', { selector: '[data-testid="one-received"]' });
    await settle(300);
    expect(screen.getByTestId('two-received').textContent).toBe('from one');
    expect(contexts[1]).not.toBe(contexts[0]);
    bob.disconnect();
  });
});
