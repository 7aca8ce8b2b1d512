/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryClient, QueryClientProvider, useMutation } from '@tanstack/react-query';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { act, cleanup, render, screen } from '@testing-library/react';
import type { Session } from 'next-auth';
import { useState, type ReactNode, type RefObject } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTRPCContext, type TRPCContext } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';
import type { RoomMessagePayload } from '@/socket-gateway/events';
import { SocketProvider, useSocketEvent, type SocketStore } from '@/socket-gateway/react';
import { createAppTRPCClient, socketIdHeaders, TRPCProvider, useTRPC } from '@/trpc/react';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { FAST_RECONNECT, tokenFor } from './support/socket-harness';

// The tRPC context's session comes from next-auth, which needs a Next request: here everyone is alice.
vi.mock('@/server/auth', () => ({
  getServerAuthSession: async (): Promise<Session> => ({
    user: { id: 'alice', name: 'alice', role: 'user' },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
    signedInAt: Date.now(),
  }),
}));

let server: TestServer;
let api: HttpServer;
let apiUrl: string;
/** The socket id each tRPC call's context carried. */
const contexts: Array<TRPCContext['socketId']> = [];

beforeAll(async () => {
  server = await startSocketServer();
  // The app's route handler, minus Next: Node request → fetch Request → tRPC → Node response.
  api = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: request,
      router: appRouter,
      createContext: async (opts) => {
        const ctx = await createTRPCContext(opts);
        contexts.push(ctx.socketId);
        return ctx;
      },
    });
    res.writeHead(response.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await server.stores.membership.join('alice', 'lobby', 50);
});

afterAll(async () => {
  cleanup();
  await new Promise((resolve) => api.close(resolve));
  await server.stop();
});

/** One browser tab as the app wires it: TanStack Query + tRPC whose link reads the tab's socket store, and the SocketProvider filling it. */
function createTab() {
  const tabSocket: RefObject<SocketStore | null> = { current: null };
  const queryClient = new QueryClient();
  const trpcClient = createAppTRPCClient(apiUrl, undefined, () => tabSocket.current?.getSocketId());
  return function Tab({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <SocketProvider
            ref={tabSocket}
            userId="alice"
            getToken={tokenFor('alice')}
            url={server.url}
            options={{ ...FAST_RECONNECT, transports: ['websocket'] }}
          >
            {children}
          </SocketProvider>
        </TRPCProvider>
      </QueryClientProvider>
    );
  };
}

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

    const [TabOne, TabTwo] = [createTab(), createTab()];
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
