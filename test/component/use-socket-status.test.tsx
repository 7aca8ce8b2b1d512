/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketStatusSnapshot } from 'socket-gateway/react';
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
    expect(statuses.at(-1)).toEqual({ status: 'disconnected', error: 'Unauthorized', resyncedAt: null });
    await settle(300);
    expect(serverSockets(server)).toHaveLength(0); // and it does not retry a refused token
  });

  it('names a token fetch refused as signed out (tRPC UNAUTHORIZED) instead of the bare Unauthorized, and stops', async () => {
    const getToken = vi.fn(async () => {
      throw Object.assign(new Error('Sign in first'), { data: { code: 'UNAUTHORIZED', httpStatus: 401 } });
    });
    renderWithSocket(<StatusRecorder into={[]} />, { server, getToken });
    await screen.findByText('disconnected (Could not get a socket token: Sign in first)');
    await settle(700);
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it('retries a token fetch that failed for another reason (network error, 503) until it works, then connects by itself', async () => {
    let calls = 0;
    const working = tokenFor('alice');
    const getToken = vi.fn(async () => {
      calls += 1;
      if (calls <= 3) throw Object.assign(new Error('Service Unavailable'), { data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 503 } });
      return working();
    });
    renderWithSocket(<StatusRecorder into={[]} />, { server, getToken });
    await screen.findByText(/connecting \(Could not get a socket token, retrying: Service Unavailable\)/);
    await screen.findByText('connected', undefined, { timeout: 10_000 });
    expect(getToken).toHaveBeenCalledTimes(4);
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
