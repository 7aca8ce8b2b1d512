/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type GatewayClientSocket } from 'socket-gateway/react';
import { SocketProvider, useSocketEvent } from '@/app/_components/socket';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { countConnections, renderWithSocket, serverSockets, SocketProbe, StatusRecorder, tokenFor, type TokenFetcher } from './support/socket-harness';
import type { SocketStatusSnapshot } from 'socket-gateway/react';

let server: TestServer;

beforeEach(async () => {
  server = await startSocketServer({ register: false });
});

afterEach(async () => {
  cleanup();
  await server.stop();
});

function Listener() {
  useSocketEvent('notification', () => undefined);
  return null;
}

describe('SocketProvider', () => {
  it('opens exactly one connection under React StrictMode, with no leaked listeners', async () => {
    const connections = countConnections(server);
    const getToken = tokenFor('alice');
    let socket: GatewayClientSocket | undefined;
    renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <Listener />
        <Listener />
        <SocketProbe onSocket={(s) => (socket = s)} />
      </>,
      { server, getToken, strict: true },
    );

    await screen.findByText('connected');
    await settle(300);
    expect(connections.count).toBe(1);
    expect(connections.attempts).toBe(1);
    expect(server.io.engine.clientsCount).toBe(1);
    expect(getToken).toHaveBeenCalledTimes(1);
    // Two components listen; StrictMode's extra mount/unmount left nothing behind.
    expect(socket?.listeners('notification')).toHaveLength(2);
  });

  it('does not connect (or fetch a token) while signed out', async () => {
    const connections = countConnections(server);
    const getToken = tokenFor('alice');
    renderWithSocket(<StatusRecorder into={[]} />, { server, userId: null, getToken });
    await settle(300);
    expect(screen.getByTestId('status').textContent).toBe('disconnected');
    expect(connections.count).toBe(0);
    expect(connections.attempts).toBe(0);
    expect(getToken).not.toHaveBeenCalled();
  });

  it('disconnects on sign-out and reconnects as the next user who signs in', async () => {
    const statuses: SocketStatusSnapshot[] = [];
    const view = renderWithSocket(<StatusRecorder into={statuses} />, { server, userId: 'alice', getToken: tokenFor('alice') });
    await screen.findByText('connected');
    expect(serverSockets(server).map((s) => s.data.userId)).toEqual(['alice']);

    view.rerenderWith(<StatusRecorder into={statuses} />, { userId: null });
    await screen.findByText('disconnected');
    await waitFor(() => expect(serverSockets(server)).toHaveLength(0));

    view.rerenderWith(<StatusRecorder into={statuses} />, { userId: 'bob', getToken: tokenFor('bob') });
    await screen.findByText('connected');
    expect(serverSockets(server).map((s) => s.data.userId)).toEqual(['bob']);
  });

  it('fetches a fresh token on every reconnect, so an expired one never blocks it', async () => {
    const getToken: TokenFetcher = tokenFor('alice', 1); // each token expires after 1 s
    renderWithSocket(<StatusRecorder into={[]} />, { server, getToken });
    await screen.findByText('connected');
    expect(getToken).toHaveBeenCalledTimes(1);

    await settle(2100); // the first token has expired
    for (const socket of serverSockets(server)) socket.conn.close(); // drop the transport
    await screen.findByText('reconnecting');
    await screen.findByText('connected', undefined, { timeout: 10_000 });
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(serverSockets(server).map((s) => s.data.userId)).toEqual(['alice']);
  });

  it('uses WebSocket by default', async () => {
    renderWithSocket(<StatusRecorder into={[]} />, { server });
    await screen.findByText('connected');
    expect(serverSockets(server).map((s) => s.conn.transport.name)).toEqual(['websocket']);
  });

  it('falls back to HTTP long-polling when WebSocket cannot open', async () => {
    // A proxy that kills every upgrade request before Engine.IO sees it.
    server.httpServer.prependListener('upgrade', (_req, socket) => socket.destroy());
    renderWithSocket(<StatusRecorder into={[]} />, { server });
    await screen.findByText('connected', undefined, { timeout: 10_000 });
    expect(serverSockets(server).map((s) => s.conn.transport.name)).toEqual(['polling']);
  });

  it('closes its connection on unmount', async () => {
    const view = renderWithSocket(<StatusRecorder into={[]} />, { server });
    await screen.findByText('connected');
    view.unmount();
    await waitFor(() => expect(serverSockets(server)).toHaveLength(0));
  });

  it('never connects while rendering on the server, where the status reads connecting (signed in) or disconnected', async () => {
    const connections = countConnections(server);
    const getToken = vi.fn(async () => 'unused');
    const serverRender = (userId: string | null) =>
      renderToString(
        <SocketProvider userId={userId} getToken={getToken} url={server.url}>
          <StatusRecorder into={[]} />
          <Listener />
        </SocketProvider>,
      );
    expect(serverRender('alice')).toContain('connecting');
    expect(serverRender(null)).toContain('disconnected');
    await settle(300);
    expect(connections.count).toBe(0);
    expect(getToken).not.toHaveBeenCalled();
  });
});
