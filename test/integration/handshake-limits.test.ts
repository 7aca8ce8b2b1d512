/**
 * Engine.IO session caps on a real server (handshake-limits.ts): sessions that have not
 * authenticated yet are capped per client address and in total, all sessions per server; a
 * refused handshake gets 403 with the reason; a session stops counting as unauthenticated when
 * it authenticates, and altogether when it closes; concurrent handshakes cannot overshoot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_FULL, TOO_MANY_UNAUTHENTICATED, TOO_MANY_UNAUTHENTICATED_FROM_ADDRESS } from '@/socket-gateway/server/handshake-limits';
import { socketIoUrl } from '../helpers/raw-client';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { mintSocketToken } from '../helpers/socket-token';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A polling handshake that never sends CONNECT: `{ status, sid }` or `{ status, message }`. */
async function halfOpen(url: string): Promise<{ status: number; sid?: string; message?: string }> {
  const response = await fetch(socketIoUrl(url, 'polling'));
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, message: (JSON.parse(text) as { message: string }).message };
  return { status: 200, sid: (JSON.parse(text.slice(1)) as { sid: string }).sid };
}

/** Authenticates a half-open polling session: CONNECT with a real token, then read the answer. */
async function authenticate(url: string, sid: string, userId: string): Promise<void> {
  const { token } = await mintSocketToken(userId);
  await fetch(socketIoUrl(url, 'polling', { sid }), { method: 'POST', body: `40${JSON.stringify({ token })}` });
  expect(await (await fetch(socketIoUrl(url, 'polling', { sid }))).text()).toMatch(/^40\{"sid"/);
}

describe('Engine.IO session caps', () => {
  it('per address: past the cap a handshake is refused; authenticating or closing frees a slot', async () => {
    server = await startSocketServer({ handshakeLimits: { maxUnauthenticatedPerAddress: 3 } });
    const open = await Promise.all([1, 2, 3].map(() => halfOpen(server!.url)));
    expect(open.map((o) => o.status)).toEqual([200, 200, 200]);
    expect(await halfOpen(server.url)).toEqual({ status: 403, message: TOO_MANY_UNAUTHENTICATED_FROM_ADDRESS });
    await expect(server.connectAs('alice')).rejects.toThrow(); // a real client from that address too, for now

    await authenticate(server.url, open[0]!.sid!, 'alice');
    expect((await halfOpen(server.url)).status).toBe(200); // the authenticated one no longer counts
    expect((await halfOpen(server.url)).status).toBe(403);

    const sessions = (server.io.engine as unknown as { clients: Record<string, { close(discard?: boolean): void }> }).clients;
    sessions[open[1]!.sid!]!.close(true);
    await settle();
    expect((await halfOpen(server.url)).status).toBe(200); // a closed one neither
  });

  it('in total, and concurrent handshakes cannot overshoot', async () => {
    server = await startSocketServer({ handshakeLimits: { maxUnauthenticated: 5, maxUnauthenticatedPerAddress: 100 } });
    const burst = await Promise.all(Array.from({ length: 20 }, () => halfOpen(server!.url)));
    expect(burst.filter((o) => o.status === 200)).toHaveLength(5);
    expect(new Set(burst.filter((o) => o.status !== 200).map((o) => `${o.status} ${o.message}`))).toEqual(new Set([`403 ${TOO_MANY_UNAUTHENTICATED}`]));
    expect(server.io.engine.clientsCount).toBe(5);
  });

  it('all sessions on the server, authenticated or not', async () => {
    server = await startSocketServer({ handshakeLimits: { maxConnections: 2 } });
    await server.connectAs('alice');
    await server.connectAs('bob');
    await expect(server.connectAs('carol')).rejects.toThrow();
    expect(await halfOpen(server.url)).toEqual({ status: 403, message: SERVER_FULL });
  });
});
