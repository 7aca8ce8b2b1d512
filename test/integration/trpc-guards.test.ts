/**
 * socket-gateway/trpc and socket-gateway/next used the way an outside app uses them, nothing of
 * the demo: its own events and tRPC router, createSocketGateway on a real http.Server on port 0,
 * the library's two tRPC handlers on that same server (the fetch route handler on /api/trpc, the
 * Node handler on /node/trpc), the stock socket.io-client. On both handlers:
 * - a hostile cross-site POST (foreign Origin, or a form body) runs no procedure (403 / 415);
 * - a batch over the cap is refused whole (400) and runs nothing;
 * - the emit rate limit answers TOO_MANY_REQUESTS with a retry hint (`data.retryAfterMs`,
 *   `Retry-After`, the message), and a refused call emits nothing;
 * - `x-socket-id` (socketIdHeaders → socketIdFromRequest → ownSocketId): "to others" for the
 *   caller's own socket, ignored for someone else's;
 * On the Node handler: its body cap (413, nothing runs), and the security headers a custom server
 * set before it stay on its answers. And:
 * - revokeOnSignOut closes the user's sockets and refuses their older tokens;
 * - the security headers take the app's extra sources (an OAuth provider's form-action).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSocketGateway, getGateway, type SocketGatewayInstance } from 'socket-gateway';
import { createSecurityHeaders, revokeOnSignOut } from 'socket-gateway/next';
import { socketIdHeaders } from 'socket-gateway/react';
import {
  createRateLimit,
  createTRPCNodeHandler,
  createTRPCRouteHandler,
  ownSocketId,
  rateLimitMiddleware,
  retryAfterMsOf,
  socketIdFromRequest,
  type TRPCNodeHandler,
} from 'socket-gateway/trpc';

// The app's own event map and limits.
const events = { 'order:shipped': z.strictObject({ orderId: z.string() }) };
const secret = 'trpc-guards-test-secret-of-32-chars-at-least';
const BURST = 3;
const MAX_BATCH = 4;
const BODY_CAP = 2048;
/** Where each handler serves the same router. */
const HANDLERS = [
  { kind: 'fetch', name: 'route handler (fetch adapter)', base: '/api/trpc' },
  { kind: 'node', name: 'Node handler', base: '/node/trpc' },
] as const;

// --- the app's tRPC: context from a header the "auth" vouches for, a limited emitting mutation.
interface Context {
  userId?: string;
  socketId?: string;
}
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const retryAfterMs = retryAfterMsOf(error);
    return retryAfterMs === undefined ? shape : { ...shape, data: { ...shape.data, retryAfterMs } };
  },
});
const signedIn = t.procedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: 'UNAUTHORIZED' });
  return next({ ctx: { userId: ctx.userId } });
});
// Nearly no refill while the test runs: exactly BURST calls pass.
const shipLimit = createRateLimit({ name: 'ship', limit: { ratePerSecond: 0.01, burst: BURST }, message: 'Too many shipments' });
let ran = 0;
const router = t.router({
  ship: signedIn
    .input(z.object({ orderId: z.string(), to: z.string() }))
    .use(rateLimitMiddleware(shipLimit, (ctx: Context) => ctx.userId))
    .mutation(async ({ ctx, input }) => {
      ran += 1;
      const exceptSocketId = await ownSocketId(ctx.userId, ctx.socketId);
      await getGateway<typeof events>().emitToUser(input.to, 'order:shipped', { orderId: input.orderId }, { exceptSocketId });
      return { exceptSocketId: exceptSocketId ?? null };
    }),
  count: t.procedure.query(() => {
    ran += 1;
    return ran;
  }),
});

let realtime: SocketGatewayInstance<typeof events>;
let httpServer: Server;
let url: string;
let nodeHandler: TRPCNodeHandler;
const clients: Socket[] = [];

/** Node request → fetch Request → the library's handler → Node response (what Next does for a route). */
function serveFetch(handler: (req: Request) => Promise<Response>, base: () => string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const response = await handler(new Request(new URL(req.url!, base()), { method: req.method!, headers, body }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

beforeAll(async () => {
  realtime = createSocketGateway({ events, secret });
  httpServer = createServer();
  await realtime.attach(httpServer);
  const handler = createTRPCRouteHandler({
    router,
    createContext: ({ req }) => {
      const userId = req.headers.get('x-test-user') ?? undefined;
      const socketId = socketIdFromRequest(req);
      return { ...(userId ? { userId } : {}), ...(socketId ? { socketId } : {}) };
    },
    allowedOrigins: ['https://app.example'],
    maxBatchSize: MAX_BATCH,
  });
  nodeHandler = createTRPCNodeHandler({
    router,
    endpoint: '/node/trpc',
    createContext: ({ req }) => {
      const userId = req.headers['x-test-user'];
      const socketId = socketIdFromRequest(req);
      return { ...(typeof userId === 'string' ? { userId } : {}), ...(socketId ? { socketId } : {}) };
    },
    allowedOrigins: ['https://app.example'],
    maxBatchSize: MAX_BATCH,
    maxBodyBytes: BODY_CAP,
  });
  const secure = createSecurityHeaders({ appOrigin: 'https://app.example', dev: false, sources: { 'form-action': ['https://discord.com'] } });
  const trpc = serveFetch(handler, () => url);
  httpServer.on('request', (req, res) => {
    if (req.url?.startsWith('/socket.io/')) return; // Socket.IO answers those
    secure(req, res);
    if (nodeHandler.handles(req.url)) return void nodeHandler(req, res);
    if (req.url?.startsWith('/api/trpc')) return void trpc(req, res);
    res.end('page');
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await realtime.close();
  await new Promise((resolve) => httpServer.close(resolve));
});

async function tab(userId: string): Promise<Socket> {
  const { token } = await realtime.mintToken(userId);
  const client = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return client;
}

function seen(client: Socket): string[] {
  const ids: string[] = [];
  client.on('order:shipped', (payload: { orderId: string }) => ids.push(payload.orderId));
  return ids;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe.each(HANDLERS)('$name', ({ kind, base }) => {
  const post = (path: string, body: BodyInit, headers: Record<string, string>) => fetch(`${url}${base}/${path}`, { method: 'POST', headers, body });

  describe('cross-site guard', () => {
    it('a foreign Origin, a null Origin or a form body runs no procedure; the app origin with JSON does', async () => {
      const before = ran;
      const json = JSON.stringify({ orderId: 'csrf', to: 'victim' });
      const form = new FormData();
      form.set('orderId', 'csrf');
      const answers = {
        foreignJson: await post('ship', json, { ...JSON_TYPE, origin: 'https://evil.example', 'x-test-user': 'victim' }),
        nullOrigin: await post('ship', json, { ...JSON_TYPE, origin: 'null', 'x-test-user': 'victim' }),
        textPlainSameOrigin: await post('ship', json, { 'content-type': 'text/plain', origin: 'https://app.example', 'x-test-user': 'victim' }),
        multipartNoOrigin: await post('ship', form, { 'x-test-user': 'victim' }),
      };
      expect(Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, response.status]))).toEqual({
        foreignJson: 403,
        nullOrigin: 403,
        textPlainSameOrigin: 415,
        multipartNoOrigin: 415,
      });
      expect(await answers.foreignJson.json()).toMatchObject({ error: { message: 'Cross-site request refused', data: { code: 'FORBIDDEN', path: 'ship' } } });
      expect(answers.foreignJson.headers.get('cache-control')).toBe('no-store');
      expect(ran).toBe(before);
      const ok = await post('ship', JSON.stringify({ orderId: 'same-site', to: 'nobody' }), {
        ...JSON_TYPE,
        origin: 'https://app.example',
        'x-test-user': 'csrf-ok',
      });
      expect(ok.status).toBe(200);
      expect(ran).toBe(before + 1);
    });
  });

  describe('batch cap', () => {
    it(`a batch of ${MAX_BATCH + 1} is refused whole and runs nothing; ${MAX_BATCH} is served`, async () => {
      const before = ran;
      const batch = (n: number) => fetch(`${url}${base}/${Array.from({ length: n }, () => 'count').join(',')}?batch=1`);
      const over = await batch(MAX_BATCH + 1);
      expect(over.status).toBe(400);
      expect(await over.text()).toContain('Batch call exceeds maximum size');
      expect(ran).toBe(before);
      const within = await batch(MAX_BATCH);
      expect(within.status).toBe(200);
      expect(await within.json()).toHaveLength(MAX_BATCH);
      expect(ran).toBe(before + MAX_BATCH);
      // A POST batch of mutations: refused before its body is read.
      const inputs = Object.fromEntries(Array.from({ length: MAX_BATCH + 1 }, (_, i) => [String(i), { orderId: `b${i}`, to: 'nobody' }]));
      const paths = Array.from({ length: MAX_BATCH + 1 }, () => 'ship').join(',');
      const posted = await post(`${paths}?batch=1`, JSON.stringify(inputs), { ...JSON_TYPE, 'x-test-user': 'batcher' });
      expect(posted.status).toBe(400);
      expect(ran).toBe(before + MAX_BATCH);
    });
  });

  describe('rate limit', () => {
    it(`${BURST} shipments pass, the next is TOO_MANY_REQUESTS with a retry hint and emits nothing`, async () => {
      const receiver = await tab(`rl-receiver-${kind}`);
      const got = seen(receiver);
      const ship = (i: number) =>
        post('ship', JSON.stringify({ orderId: `rl-${i}`, to: `rl-receiver-${kind}` }), { ...JSON_TYPE, 'x-test-user': `rl-sender-${kind}` });
      for (let i = 0; i < BURST; i += 1) expect((await ship(i)).status).toBe(200);
      const refused = await ship(BURST);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      const body = (await refused.json()) as { error: { message: string; data: { code: string; retryAfterMs: number } } };
      expect(body.error.data.code).toBe('TOO_MANY_REQUESTS');
      expect(body.error.message).toMatch(/^Too many shipments: try again in \d+ s$/);
      expect(body.error.data.retryAfterMs).toBeGreaterThan(0);
      expect(Math.ceil(body.error.data.retryAfterMs / 1000)).toBe(retryAfter);
      await waitFor(() => got.length === BURST, `${BURST} events`);
      // Another user's bucket is untouched.
      expect((await post('ship', JSON.stringify({ orderId: 'other', to: 'nobody' }), { ...JSON_TYPE, 'x-test-user': `rl-other-${kind}` })).status).toBe(200);
      expect(got).toEqual(['rl-0', 'rl-1', 'rl-2']);
    });

    it('refuses a bad limit and a bad name when created', () => {
      expect(() => createRateLimit({ name: 'x', limit: { ratePerSecond: 0, burst: 1 } })).toThrow(/positive/);
      expect(() => createRateLimit({ name: 'x', limit: { ratePerSecond: 1, burst: 0.5 } })).toThrow(/positive integer/);
      expect(() => createRateLimit({ name: 'has space', limit: { ratePerSecond: 1, burst: 1 } })).toThrow(/name/);
    });
  });

  describe('x-socket-id: "to others"', () => {
    it("the caller's own socket is left out; someone else's socket id is ignored", async () => {
      const [alice, bobId] = [`alice-${kind}`, `bob-${kind}`];
      const [aliceA, aliceB, bob] = await Promise.all([tab(alice), tab(alice), tab(bobId)]);
      const [sawA, sawB, sawBob] = [seen(aliceA), seen(aliceB), seen(bob)];
      const ship = (orderId: string, to: string, socketId: string | undefined) =>
        post('ship', JSON.stringify({ orderId, to }), { ...JSON_TYPE, 'x-test-user': alice, ...socketIdHeaders(() => socketId) });

      const own = await ship('own', alice, aliceA.id);
      expect(await own.json()).toMatchObject({ result: { data: { exceptSocketId: aliceA.id } } });
      await waitFor(() => sawB.includes('own'), 'the other tab');

      // alice names bob's socket: not hers, so ignored (bob's tab still gets it).
      const foreign = await ship('foreign', bobId, bob.id);
      expect(await foreign.json()).toMatchObject({ result: { data: { exceptSocketId: null } } });
      await waitFor(() => sawBob.includes('foreign'), "bob's tab");
      expect(sawA).toEqual([]);
      expect(socketIdHeaders(() => undefined)).toEqual({});
    });
  });
});

describe('revokeOnSignOut', () => {
  it("closes the user's sockets and refuses the token minted before; an absent user id does nothing", async () => {
    const { token } = await realtime.mintToken('leaving');
    const client = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const closed = new Promise<string>((resolve) => client.once('disconnect', resolve));
    await revokeOnSignOut(undefined);
    expect(client.connected).toBe(true);
    await revokeOnSignOut('leaving');
    expect(await closed).toBe('io server disconnect');
    const again = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(again);
    const refusal = new Promise<string>((resolve) => {
      again.once('connect', () => resolve('connected'));
      again.once('connect_error', (error) => resolve(error.message));
    });
    expect(await refusal).toBe('Unauthorized');
  });
});

describe('security headers', () => {
  it("carry the app's added form-action source, a nonce per answer, and the fixed protections", async () => {
    const [first, second] = await Promise.all([fetch(`${url}/`), fetch(`${url}/`)]);
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("form-action 'self' https://discord.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=]+'/);
    expect(second.headers.get('content-security-policy')).not.toBe(csp);
    expect(first.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses a source that would add a directive', () => {
    expect(() =>
      createSecurityHeaders({ appOrigin: 'https://app.example', dev: false, sources: { 'img-src': ["https://x; script-src 'unsafe-inline'"] } }),
    ).toThrow(/not one source/);
    expect(() => createSecurityHeaders({ appOrigin: 'https://app.example', dev: false, sources: { 'img-src': ['https://a,b'] } })).toThrow(/not one source/);
  });
});

describe('Node handler only', () => {
  const nodePost = (path: string, body: string | Buffer | AsyncIterable<Uint8Array>, headers: Record<string, string>) =>
    fetch(`${url}/node/trpc/${path}`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);

  it(`a body over maxBodyBytes (${BODY_CAP}), declared or chunked, is refused 413 and runs nothing; one within it is served`, async () => {
    const before = ran;
    const big = JSON.stringify({ orderId: 'x'.repeat(BODY_CAP), to: 'nobody' });
    const declared = await nodePost('ship', big, { ...JSON_TYPE, 'x-test-user': 'big' });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, path: 'ship' } } });
    expect(declared.headers.get('cache-control')).toBe('no-store');
    async function* chunked(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < big.length; i += 256) yield Buffer.from(big.slice(i, i + 256));
    }
    const streamed = await nodePost('ship', chunked(), { ...JSON_TYPE, 'x-test-user': 'big' });
    expect(streamed.status).toBe(413);
    expect(ran).toBe(before);
    const fits = await nodePost('ship', JSON.stringify({ orderId: 'x'.repeat(BODY_CAP - 100), to: 'nobody' }), { ...JSON_TYPE, 'x-test-user': 'fits' });
    expect(fits.status).toBe(200);
    expect(ran).toBe(before + 1);
  });

  it('a multi-byte body split across chunks reaches the procedure intact', async () => {
    const orderId = 'ü€😀'.repeat(40);
    async function* split(): AsyncIterable<Uint8Array> {
      const bytes = Buffer.from(JSON.stringify({ orderId, to: 'nobody' }));
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); // cuts characters in half
    }
    const answer = await nodePost('ship', split(), { ...JSON_TYPE, 'x-test-user': 'utf8' });
    expect(answer.status).toBe(200);
  });

  it('keeps the security headers the server set before it, on answers and refusals alike', async () => {
    const answers = [
      await fetch(`${url}/node/trpc/count`),
      await nodePost('ship', '{}', { ...JSON_TYPE, origin: 'https://evil.example' }),
      await nodePost('ship', 'x'.repeat(BODY_CAP + 1), JSON_TYPE),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 403, 413]);
    for (const answer of answers) {
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('handles its endpoint and the paths below it, nothing else', () => {
    expect(['/node/trpc', '/node/trpc/a.b', '/node/trpc/a,b?batch=1', '/node/trpc?x=1'].map((path) => nodeHandler.handles(path))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['/node/trpcx', '/node', '/api/trpc/a', undefined].map((path) => nodeHandler.handles(path))).toEqual([false, false, false, false]);
  });

  it('refuses bad options when created', () => {
    const base = { router, createContext: () => ({}), allowedOrigins: ['https://app.example'] };
    expect(() => createTRPCNodeHandler({ ...base, maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => createTRPCNodeHandler({ ...base, maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => createTRPCNodeHandler({ ...base, allowedOrigins: [] })).toThrow(/allowedOrigins/);
    expect(() => createTRPCNodeHandler({ ...base, endpoint: 'api/trpc/' })).toThrow(/endpoint/);
  });
});
