/** @vitest-environment jsdom */
/**
 * The demo's rooms panel follows `membership:changed` (issue 18, item 2): two tabs of alice
 * (each its own QueryClient, tRPC client and SocketProvider, as in a browser) against a real
 * gateway server and the real tRPC procedures. A room joined or left server-side shows in and
 * drops out of both, with its posts; a room joined again shows what was said while away.
 */
import './support/node-typed-arrays';
import { cleanup, render, within } from '@testing-library/react';
import type { Session } from 'next-auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RoomsPanel } from '@/app/_components/rooms-panel';
import { gateway } from '@/server/gateway';
import type { RoomMessagePayload } from '@/events';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import { startTrpcApi, type TrpcApi } from './support/trpc-api';
import { createAppTab } from './support/app-tab';

// The tRPC context's session comes from next-auth, which needs a Next request: here everyone is alice.
vi.mock('@/server/auth', () => ({
  getServerAuthSession: async (): Promise<Session> => ({
    user: { id: 'alice', name: 'alice', role: 'user' },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
    signedInAt: Date.now(),
  }),
}));

const alice = { id: 'alice', role: 'user' };
const bob = { id: 'bob', role: 'user' };
const post = (room: string, text: string): RoomMessagePayload => ({ id: text, from: 'bob', message: text, sentAt: Date.now(), room });

let server: TestServer;
let api: TrpcApi;

beforeAll(async () => {
  server = await startSocketServer();
  api = await startTrpcApi();
});

afterAll(async () => {
  cleanup();
  await api.close();
  await server.stop();
});

describe('rooms panel, live across tabs', () => {
  it('shows a room joined server-side in both tabs with its posts, drops it on leave, and shows what was said while away on rejoin', async () => {
    await gateway.enterRoom(bob, 'ops');
    const aliceTab = () => createAppTab({ apiUrl: api.url, socketUrl: server.url, userId: 'alice' });
    const [TabOne, TabTwo] = [aliceTab(), aliceTab()];
    const view = render(
      <>
        <div data-testid="tab-1">
          <TabOne>
            <RoomsPanel self="alice" />
          </TabOne>
        </div>
        <div data-testid="tab-2">
          <TabTwo>
            <RoomsPanel self="alice" />
          </TabTwo>
        </div>
      </>,
    );
    const tabs = [within(view.getByTestId('tab-1')), within(view.getByTestId('tab-2'))];
    for (const tab of tabs) await tab.findByText(/You are not in any room yet/);
    await vi.waitFor(() => expect(server.io.of('/').adapter.rooms.get('user:alice')?.size).toBe(2));

    await gateway.enterRoom(alice, 'ops');
    for (const tab of tabs) await tab.findByTestId('room-ops');
    await gateway.postToRoom(bob, 'ops', 'room:message', post('ops', 'first post'), { history: true });
    for (const tab of tabs) await within(tab.getByTestId('messages-ops')).findByText('first post');

    await gateway.exitRoom('alice', 'ops');
    for (const tab of tabs) await vi.waitFor(() => expect(tab.queryByTestId('room-ops')).toBeNull());

    await gateway.postToRoom(bob, 'ops', 'room:message', post('ops', 'said while away'), { history: true });
    await gateway.enterRoom(alice, 'ops');
    for (const tab of tabs) {
      const messages = within(await tab.findByTestId('messages-ops'));
      await messages.findByText('said while away');
      expect(messages.getByText('first post')).toBeTruthy();
    }
  });
});
