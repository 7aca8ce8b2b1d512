/**
 * Origin check (cross-site websocket hijacking), on a real server with raw HTTP and raw
 * websocket requests: a browser `Origin` that is not on the list is refused, for the polling
 * handshake, the websocket handshake, and every later request of a session (its polls, its
 * posts, its upgrade). No `Origin` header (native, mobile, server clients) is allowed, and
 * still needs a valid token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getEnv } from '@/env';
import { connectRaw, openRaw, pollingRequest, type RawClient } from '../helpers/raw-client';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import { mintSocketToken } from '../helpers/socket-token';

const APP = 'https://app.example.com';
const FOREIGN = ['https://evil.example', 'http://app.example.com', 'https://app.example.com:8443', 'https://sub.app.example.com', 'null'];

let server: TestServer | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await server?.stop();
  server = undefined;
});

const start = async () => (server = await startSocketServer({ allowedOrigins: [APP] }));
const track = (raw: RawClient) => (raws.push(raw), raw);
const token = async (userId = 'alice') => ({ token: (await mintSocketToken(userId)).token });

/** Opens a polling session with no Origin and returns its sid. */
async function pollingSession(srv: TestServer): Promise<string> {
  const open = await pollingRequest(srv.url);
  expect(open.status).toBe(200);
  return (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
}

describe('polling transport', () => {
  it('allows a handshake with no Origin header or with the allowed origin', async () => {
    const srv = await start();
    for (const origin of [undefined, APP]) {
      const response = await pollingRequest(srv.url, origin === undefined ? {} : { origin });
      expect(response.status).toBe(200);
      expect(response.body).toMatch(/^0\{"sid":/);
    }
  });

  it.each(FOREIGN)('refuses a handshake from origin %s with 403 "Origin not allowed"', async (origin) => {
    const srv = await start();
    const response = await pollingRequest(srv.url, { origin });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ message: 'Origin not allowed' });
    expect(srv.io.engine.clientsCount).toBe(0);
  });

  it("refuses a foreign origin's polls and posts on an existing session, and serves the allowed origin's", async () => {
    const srv = await start();
    const sid = await pollingSession(srv);
    const connectFrame = `40${JSON.stringify(await token())}`;

    const foreignPost = await pollingRequest(srv.url, { origin: 'https://evil.example', method: 'POST', query: { sid }, body: connectFrame });
    expect(foreignPost.status).toBe(400);
    const foreignPoll = await pollingRequest(srv.url, { origin: 'https://evil.example', query: { sid } });
    expect(foreignPoll.status).toBe(400);
    expect(srv.io.of('/').sockets.size).toBe(0);

    const post = await pollingRequest(srv.url, { origin: APP, method: 'POST', query: { sid }, body: connectFrame });
    expect(post.status).toBe(200);
    const poll = await pollingRequest(srv.url, { origin: APP, query: { sid } });
    expect(poll.status).toBe(200);
    expect(poll.body).toMatch(/^40\{"sid":/);
    expect(srv.io.of('/').sockets.size).toBe(1);
  });
});

describe('websocket transport', () => {
  it('allows a websocket with no Origin header or with the allowed origin', async () => {
    const srv = await start();
    track(await connectRaw(srv.url, await token()));
    track(await connectRaw(srv.url, await token(), { origin: APP }));
    expect(srv.io.of('/').sockets.size).toBe(2);
  });

  // Engine.IO answers every refused upgrade with 400; the body names the reason.
  it.each(FOREIGN)('refuses the websocket handshake from origin %s ("Origin not allowed")', async (origin) => {
    const srv = await start();
    await expect(openRaw(srv.url, { origin })).rejects.toMatchObject({ statusCode: 400, body: 'Origin not allowed' });
    expect(srv.io.engine.clientsCount).toBe(0);
  });

  it('refuses a foreign origin even with a valid token (real socket.io-client, both transports)', async () => {
    const srv = await start();
    for (const transports of [['websocket'], ['polling']]) {
      await expect(srv.connect(await token(), { transports, extraHeaders: { origin: 'https://evil.example' } })).rejects.toThrow();
    }
    expect(srv.io.of('/').sockets.size).toBe(0);
    const ok = await srv.connect(await token(), { transports: ['polling'], extraHeaders: { origin: APP } });
    expect(ok.connected).toBe(true);
  });

  it('refuses the upgrade of a polling session from a foreign origin, and allows it from the app', async () => {
    const srv = await start();
    const sid = await pollingSession(srv);
    await expect(openRaw(srv.url, { origin: 'https://evil.example', query: { sid } })).rejects.toMatchObject({ statusCode: 400 });

    const upgrade = track(await openRaw(srv.url, { origin: APP, query: { sid } }));
    upgrade.send('2probe');
    expect(await upgrade.waitFor((frame) => frame === '3probe')).toBe('3probe');
  });
});

describe('no Origin header is not a bypass', () => {
  it('still needs a valid token', async () => {
    const srv = await start();
    await expect(connectRaw(srv.url, { token: 'not-a-token' })).rejects.toThrow('{"message":"Unauthorized"}');
    await expect(srv.connect({ token: 'not-a-token' })).rejects.toThrow('Unauthorized');
  });
});

describe('default (no allowedOrigins)', () => {
  it('allows only the same origin: the page must come from the host the request was sent to', async () => {
    server = await startSocketServer();
    expect(server.limits.allowedOrigins).toBeUndefined();
    expect((await pollingRequest(server.url, { origin: server.url })).status).toBe(200);
    const other = new URL(server.url);
    other.port = String(server.port + 1);
    expect((await pollingRequest(server.url, { origin: other.origin })).status).toBe(403);
    expect((await pollingRequest(server.url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await pollingRequest(server.url, { origin: 'null' })).status).toBe(403);
    await expect(openRaw(server.url, { origin: other.origin })).rejects.toMatchObject({ statusCode: 400, body: 'Origin not allowed' });
  });

  it("the app's mapping: SOCKET_ALLOWED_ORIGINS unset means the app's own origin (from NEXTAUTH_URL)", () => {
    expect(getEnv().socket.allowedOrigins).toEqual([getEnv().appOrigin]);
  });
});
