/** A real Socket.IO gateway server on port 0, and real socket.io-client connections to it. */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { createSocketServer, type CreateSocketServerOptions, type SocketServerHandle } from 'socket-gateway/advanced';
import { events, type AppEvents } from '@/events';
import type { ClientEvents, ClientToServerEvents, ServerToClientEvents } from 'socket-gateway/advanced';
import type { EventPayload } from 'socket-gateway';
import { mintSocketToken, testSocketSecret } from './socket-token';

/** What a test client receives: the demo's events and the gateway's own. */
type TestEvents = ClientEvents<AppEvents>;
type TestEventName = keyof TestEvents & string;
export type TestClient = ClientSocket<ServerToClientEvents<AppEvents>, ClientToServerEvents>;

export interface TestServer extends SocketServerHandle {
  httpServer: HttpServer;
  url: string;
  port: number;
  clients: TestClient[];
  /** Connects with `auth` (resolves on `connect`, rejects with the `connect_error`). */
  connect(auth: unknown, options?: Partial<ManagerOptions & SocketOptions>): Promise<TestClient>;
  /** Mints a real token for `userId` and connects with it. */
  connectAs(userId: string, options?: Partial<ManagerOptions & SocketOptions>): Promise<TestClient>;
  stop(): Promise<void>;
}

/** Options as createSocketServer takes them; `secret` defaults to the test secret (socket-token.ts). */
export type TestServerOptions = Omit<CreateSocketServerOptions, 'secret'> & { secret?: CreateSocketServerOptions['secret'] };

export async function startSocketServer(options: TestServerOptions = {}): Promise<TestServer> {
  const httpServer = createServer();
  const handle = createSocketServer(httpServer, { events, ...options, secret: options.secret ?? testSocketSecret() });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];

  const connectWith = (auth: unknown, opts: Partial<ManagerOptions & SocketOptions> = {}) =>
    new Promise<TestClient>((resolve, reject) => {
      const client: TestClient = connect(url, {
        auth: auth as Record<string, unknown>,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...opts,
      });
      clients.push(client);
      client.once('connect', () => resolve(client));
      client.once('connect_error', (error) => reject(error));
    });

  return {
    ...handle,
    httpServer,
    url,
    port,
    clients,
    connect: connectWith,
    connectAs: async (userId, opts) => connectWith({ token: (await mintSocketToken(userId)).token }, opts),
    async stop() {
      for (const client of clients) client.disconnect();
      await handle.close();
    },
  };
}

/**
 * Resolves with the next `event` on `client`, or rejects after `timeoutMs`: a deadline for a
 * failure, generous so that a busy machine (the suite runs beside other work) is not one.
 */
export function nextEvent<E extends TestEventName>(client: TestClient, event: E, timeoutMs = 10_000): Promise<EventPayload<TestEvents, E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener as never);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: EventPayload<TestEvents, E>) => {
      clearTimeout(timer);
      resolve(payload);
    };
    client.once(event, listener as never);
  });
}

/** Resolves with the reason of the client's next disconnect, or rejects after `timeoutMs`. */
export function nextDisconnect(client: TestClient, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not disconnected within ${timeoutMs} ms`)), timeoutMs);
    client.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Collects every `event` on `client` from now on. */
export function collectEvents<E extends TestEventName>(client: TestClient, event: E): EventPayload<TestEvents, E>[] {
  const seen: EventPayload<TestEvents, E>[] = [];
  client.on(event, ((payload: EventPayload<TestEvents, E>) => seen.push(payload)) as never);
  return seen;
}

/**
 * A fixed pause. Never the thing a positive check waits on (wait for the condition: `vi.waitFor`,
 * `nextEvent`); where a test must show that something did NOT arrive, a marker sent after it
 * (test/helpers/inbox.ts, `awaitMarker` in cluster tests) proves it without depending on the
 * machine's speed. What remains are pauses that only give a wrong event the chance to show up.
 */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
