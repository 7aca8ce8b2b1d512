/**
 * Graceful shutdown of the real server.ts (production build). On SIGTERM it stops accepting
 * connections, lets an in-flight HTTP request finish (and answers /api/health with 503 while
 * draining), disconnects every socket so clients reconnect elsewhere, closes idle keep-alive
 * connections, and exits 0 within the bound. A second signal forces exit; a request that
 * never ends is cut at SHUTDOWN_TIMEOUT_MS.
 */
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSocket, signIn, startAppServer, type AppServer } from '../helpers/app-server';
import { nextDisconnect, type TestClient } from '../helpers/socket-server';

const DEFAULT_SHUTDOWN_BOUND_MS = 10_000;

let app: AppServer | undefined;
const clients: TestClient[] = [];
const track = (client: TestClient) => (clients.push(client), client);
const tcps: TcpSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const socket of tcps.splice(0)) socket.destroy();
  if (app && app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
  app = undefined;
});

/** Resolves with the exit code, or rejects if the process is still running after `timeoutMs`. */
function exitWithin(server: AppServer, timeoutMs: number): Promise<number | null> {
  if (server.process.exitCode !== null) return Promise.resolve(server.process.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server.ts still running ${timeoutMs} ms after the signal:\n${server.output()}`)), timeoutMs);
    server.process.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function waitForOutput(server: AppServer, text: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (server.output().includes(text)) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`"${text}" not printed within ${timeoutMs} ms:\n${server.output()}`));
      setTimeout(check, 20);
    };
    check();
  });
}

/** A raw keep-alive HTTP connection: what a browser or proxy holds open between requests. */
async function rawHttp(port: number) {
  const socket = tcpConnect(port, '127.0.0.1');
  tcps.push(socket);
  let received = '';
  let closed = false;
  const waiters = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  });
  socket.on('close', () => {
    closed = true;
    for (const waiter of [...waiters]) waiter();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const until = (done: () => boolean, what: string, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms; received ${JSON.stringify(received)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    write: (text: string) => socket.write(text),
    received: () => received,
    isClosed: () => closed,
    /** Resolves once `count` complete responses (chunked bodies) have arrived. */
    until,
    responses: (count: number) => until(() => (received.match(/\r\n0\r\n\r\n/g) ?? []).length >= count, `no ${count} complete responses`),
    closed: (timeoutMs?: number) => until(() => closed, 'connection not closed', timeoutMs),
  };
}

/**
 * Starts a request the server cannot finish yet: headers with `Expect: 100-continue`, wait for
 * the server's `100 Continue` (so Node has accepted the connection and handed the request to
 * Next), then only `sentBody` of the body.
 */
async function startSlowRequest(port: number, request: { path: string; headers?: Record<string, string>; body: string; sentBody: string }) {
  const connection = await rawHttp(port);
  const headers = Object.entries({
    Host: `localhost:${port}`,
    ...request.headers,
    'Content-Length': String(Buffer.byteLength(request.body)),
    Expect: '100-continue',
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  connection.write(`POST ${request.path} HTTP/1.1\r\n${headers}\r\n`);
  await connection.until(() => connection.received().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 'no 100 Continue');
  connection.write(request.sentBody);
  return connection;
}

/** Status codes and JSON bodies of the chunked HTTP/1.1 responses in `raw`. */
function parseResponses(raw: string): Array<{ status: number; body: unknown }> {
  return raw
    .split(/(?=HTTP\/1\.1 \d{3})/)
    .filter((response) => response && !response.startsWith('HTTP/1.1 100 '))
    .map((response) => {
      const status = Number(response.slice(9, 12));
      const [head = '', rest = ''] = response.split('\r\n\r\n');
      const body = /transfer-encoding: chunked/i.test(head)
        ? rest
            .split('\r\n')
            .filter((_, i) => i % 2 === 1)
            .join('')
        : rest.slice(0, Number(/content-length: (\d+)/i.exec(head)?.[1] ?? rest.length));
      return { status, body: body ? (JSON.parse(body) as unknown) : undefined };
    });
}

/** A sign-in POST that sends only part of its body, so it never finishes: it holds shutdown open. */
function startStuckRequest(port: number) {
  return startSlowRequest(port, {
    path: '/api/auth/callback/credentials',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'x'.repeat(1000),
    sentBody: 'username=',
  });
}

describe('graceful shutdown', () => {
  it('SIGTERM: in-flight request finishes, health says 503, sockets are told, keep-alive closes, exit 0 within the bound', async () => {
    app = await startAppServer();
    const server = app;
    const [alice, bob] = await Promise.all([signIn(server.url, 'alice'), signIn(server.url, 'bob')]);
    const sockets = [
      track(await openSocket(app!.url, alice, 'websocket')),
      track(await openSocket(app!.url, alice, 'polling')),
      track(await openSocket(app!.url, bob, 'websocket')),
    ];
    const sawDisconnect = Promise.all(sockets.map((socket) => nextDisconnect(socket)));

    // Serving: 200 with the live connection count.
    const health = await fetch(new URL('/api/health', server.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', dependencies: {}, credentialsResetAt: expect.any(Number) }); // no connection count for anyone to read

    // An idle keep-alive connection that has already been used.
    const idle = await rawHttp(server.port);
    idle.write(`GET /api/health HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: keep-alive\r\n\r\n`);
    await idle.responses(1);

    // An in-flight request: headers and half the body sent, the rest comes after SIGTERM.
    const body = JSON.stringify({ toUserId: 'bob', message: 'sent while draining' });
    const inFlight = await startSlowRequest(server.port, {
      path: '/api/trpc/notification.send',
      headers: { Cookie: alice.cookie, 'Content-Type': 'application/json', Connection: 'keep-alive' },
      body,
      sentBody: body.slice(0, 10),
    });

    const exited = exitWithin(server, DEFAULT_SHUTDOWN_BOUND_MS);
    server.process.kill('SIGTERM');

    // Sockets are disconnected (clients would reconnect elsewhere), idle keep-alive is closed,
    // and no new connection is accepted...
    expect((await sawDisconnect).every((reason) => reason === 'transport close' || reason === 'io server disconnect')).toBe(true);
    await idle.closed();
    await expect(fetch(new URL('/api/health', server.url))).rejects.toThrow();
    // ...while the process waits for the in-flight request.
    expect(server.process.exitCode).toBeNull();
    expect(inFlight.isClosed()).toBe(false);

    // Finish it, with a health check and a Socket.IO handshake pipelined behind it on the
    // same connection (the only way in once the listener is closed).
    inFlight.write(
      `${body.slice(10)}GET /api/health HTTP/1.1\r\nHost: localhost:${server.port}\r\n\r\n` +
        `GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost:${server.port}\r\n\r\n`,
    );
    await inFlight.responses(3);
    const [sent, draining, handshake] = parseResponses(inFlight.received());
    expect(sent).toMatchObject({ status: 200, body: { result: { data: { from: 'alice', message: 'sent while draining' } } } });
    expect(draining).toEqual({ status: 503, body: { status: 'draining', dependencies: {}, credentialsResetAt: expect.any(Number) } });
    expect(handshake).toMatchObject({ status: 403, body: { message: 'Server is shutting down' } });

    expect(await exited).toBe(0);
    expect(server.output()).toContain('> SIGTERM: shutting down');
    expect(server.output()).toContain('> Closed cleanly');
  });

  it('SIGINT works the same way: connected clients, exit 0', async () => {
    app = await startAppServer();
    const server = app;
    const carol = await signIn(server.url, 'carol');
    const tabs = [track(await openSocket(app!.url, carol, 'websocket')), track(await openSocket(app!.url, carol, 'polling'))];
    const sawDisconnect = Promise.all(tabs.map((tab) => nextDisconnect(tab)));
    const exited = exitWithin(server, DEFAULT_SHUTDOWN_BOUND_MS);
    server.process.kill('SIGINT');
    await sawDisconnect;
    expect(await exited).toBe(0);
  });

  it('handles a SIGTERM sent the moment "Ready" is printed (handlers are in place before it)', async () => {
    app = await startAppServer();
    const exited = exitWithin(app, DEFAULT_SHUTDOWN_BOUND_MS);
    app.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(app.process.signalCode).toBeNull(); // not killed by the signal's default action
    expect(app.output()).toContain('> Closed cleanly');
  });

  it('a second signal forces exit while a request holds the shutdown open', async () => {
    app = await startAppServer({ SHUTDOWN_TIMEOUT_MS: '60000' });
    const server = app;
    const stuck = await startStuckRequest(server.port);

    server.process.kill('SIGTERM');
    await waitForOutput(server, '> SIGTERM: shutting down');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.process.exitCode).toBeNull(); // still draining: the request never finishes
    expect(stuck.isClosed()).toBe(false);

    const exited = exitWithin(server, 5000);
    server.process.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(server.output()).toContain('> SIGTERM again: exiting now');
  });

  it('is bounded: a request that never finishes is cut after SHUTDOWN_TIMEOUT_MS, and the exit code says so', async () => {
    app = await startAppServer({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const server = app;
    const stuck = await startStuckRequest(server.port);

    const exited = exitWithin(server, 1500 + 5000);
    server.process.kill('SIGTERM');
    await stuck.closed(1500 + 5000);
    expect(await exited).toBe(1);
    expect(server.output()).toContain('> Shutdown timed out: remaining connections were cut');
  });
});
