/**
 * Renders components under a real SocketProvider connected to a real gateway server on
 * port 0 (test/helpers/socket-server.ts). Import `./node-typed-arrays` before this file.
 */
import { render, type RenderResult } from '@testing-library/react';
import { StrictMode, useEffect, type ReactNode } from 'react';
import { vi, type Mock } from 'vitest';
import { type GatewayClientSocket, type SocketStatusSnapshot } from 'socket-gateway/react';
import { SocketProvider, useSocket, useSocketStatus } from '@/app/_components/socket';
import type { GatewaySocket } from 'socket-gateway/advanced';
import type { TestServer } from '../../helpers/socket-server';
import { mintSocketToken } from '../../helpers/socket-token';

/** Quick reconnects, so drop-and-reconnect tests do not wait a second per attempt. */
export const FAST_RECONNECT = { reconnectionDelay: 50, reconnectionDelayMax: 100 } as const;

export type TokenFetcher = Mock<() => Promise<string>>;

/** A `getToken` that mints a real token for `userId` on every call (what `socket.token` does). */
export function tokenFor(userId: string, ttlSeconds?: number): TokenFetcher {
  return vi.fn(async () => (await mintSocketToken(userId, ttlSeconds ? { ttlSeconds } : {})).token);
}

export interface ProviderSetup {
  server: TestServer;
  userId?: string | null;
  getToken?: () => Promise<string>;
  strict?: boolean;
}

export function providerTree({ server, userId = 'alice', getToken = tokenFor(userId ?? 'alice'), strict = false }: ProviderSetup, children: ReactNode) {
  const tree = (
    <SocketProvider userId={userId} getToken={getToken} url={server.url} options={FAST_RECONNECT}>
      {children}
    </SocketProvider>
  );
  return strict ? <StrictMode>{tree}</StrictMode> : tree;
}

export function renderWithSocket(ui: ReactNode, setup: ProviderSetup): RenderResult & { rerenderWith(ui: ReactNode, next?: Partial<ProviderSetup>): void } {
  const result = render(providerTree(setup, ui));
  return {
    ...result,
    rerenderWith: (next, changes = {}) => result.rerender(providerTree({ ...setup, ...changes }, next)),
  };
}

/** Exposes the provider's socket to the test. */
export function SocketProbe({ onSocket }: { onSocket: (socket: GatewayClientSocket) => void }) {
  const socket = useSocket();
  useEffect(() => {
    if (socket) onSocket(socket);
  }, [socket, onSocket]);
  return null;
}

/** Records every distinct status snapshot it renders. */
export function StatusRecorder({ into }: { into: SocketStatusSnapshot[] }) {
  const snapshot = useSocketStatus();
  if (into.at(-1) !== snapshot) into.push(snapshot);
  return (
    <p data-testid="status">
      {snapshot.status}
      {snapshot.error ? ` (${snapshot.error})` : ''}
    </p>
  );
}

/** Distinct consecutive statuses, e.g. ['connecting', 'connected']. */
export function statusPath(snapshots: SocketStatusSnapshot[]): string[] {
  return snapshots.map((s) => s.status).filter((status, i, all) => i === 0 || all[i - 1] !== status);
}

/** Server-side sockets currently connected. */
export function serverSockets(server: TestServer): GatewaySocket[] {
  return [...server.io.of('/').sockets.values()];
}

export interface ConnectionCounter {
  /** Socket.IO connections the server accepted. */
  readonly count: number;
  /** Transport-level attempts: WebSocket upgrade requests and Engine.IO sessions, even aborted ones. */
  readonly attempts: number;
  readonly users: string[];
}

/** Counts every connection (and every attempt to open one) from now on. */
export function countConnections(server: TestServer): ConnectionCounter {
  const users: string[] = [];
  let upgrades = 0;
  let sessions = 0;
  server.io.on('connection', (socket) => users.push(socket.data.userId));
  server.httpServer.on('upgrade', () => (upgrades += 1));
  server.io.engine.on('initial_headers', () => (sessions += 1));
  return {
    get count() {
      return users.length;
    },
    get attempts() {
      return Math.max(upgrades, sessions);
    },
    users,
  };
}
