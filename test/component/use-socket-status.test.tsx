/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketStatusSnapshot } from '@/socket-gateway/react';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { renderWithSocket, serverSockets, StatusRecorder, statusPath, tokenFor } from './support/socket-harness';

let server: TestServer;

beforeEach(async () => {
  server = await startSocketServer({ register: false });
});

afterEach(async () => {
  cleanup();
  await server.stop();
});

describe('useSocketStatus', () => {
  it('reports a refused connection as disconnected with the error Unauthorized', async () => {
    const statuses: SocketStatusSnapshot[] = [];
    renderWithSocket(<StatusRecorder into={statuses} />, { server, getToken: async () => 'forged-token' });
    await screen.findByText('disconnected (Unauthorized)');
    expect(statusPath(statuses)).toEqual(['connecting', 'disconnected']);
    expect(statuses.at(-1)).toEqual({ status: 'disconnected', error: 'Unauthorized' });
    await settle(300);
    expect(serverSockets(server)).toHaveLength(0); // and it does not retry a refused token
  });

  it('names a failed token fetch instead of the bare Unauthorized', async () => {
    renderWithSocket(<StatusRecorder into={[]} />, {
      server,
      getToken: async () => {
        throw new Error('UNAUTHORIZED');
      },
    });
    await screen.findByText('disconnected (Could not get a socket token: UNAUTHORIZED)');
  });

  it('moves connecting → connected → reconnecting → connected when the server drops the transport', async () => {
    const statuses: SocketStatusSnapshot[] = [];
    renderWithSocket(<StatusRecorder into={statuses} />, { server });
    await screen.findByText('connected');

    for (const socket of serverSockets(server)) socket.conn.close();
    await screen.findByText('reconnecting');
    await screen.findByText('connected', undefined, { timeout: 10_000 });
    expect(statusPath(statuses)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(statuses.at(-1)?.error).toBeNull();
  });

  it('stays reconnecting while the server is down, and keeps the last error', async () => {
    const statuses: SocketStatusSnapshot[] = [];
    renderWithSocket(<StatusRecorder into={statuses} />, { server });
    await screen.findByText('connected');
    await server.stop(); // closes the sockets and the listening port
    await screen.findByText(/^reconnecting/);
    await settle(500); // several failed attempts
    expect(statuses.at(-1)?.status).toBe('reconnecting');
    expect(statuses.at(-1)?.error).toEqual(expect.any(String));
    server = await startSocketServer({ register: false }); // for afterEach
  });

  it('reports disconnected when the server closes the connection for good (sign-out elsewhere)', async () => {
    const statuses: SocketStatusSnapshot[] = [];
    const getToken = tokenFor('alice');
    renderWithSocket(<StatusRecorder into={statuses} />, { server, getToken });
    await screen.findByText('connected');
    server.io.in('user:alice').disconnectSockets(true);
    await screen.findByText('disconnected');
    await settle(300);
    expect(getToken).toHaveBeenCalledTimes(1); // Socket.IO does not reconnect after a server-side disconnect
  });

  it('reads disconnected outside a provider', () => {
    const statuses: SocketStatusSnapshot[] = [];
    const error = vi.spyOn(console, 'error');
    render(<StatusRecorder into={statuses} />);
    expect(screen.getByTestId('status').textContent).toBe('disconnected');
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });
});
