/**
 * The server half of bench/sse/run.ts: one process serving the same memory event log two ways,
 * Socket.IO (the gateway's socket server) and tRPC server-sent events (the `events` subscription
 * over createEventStreams), and emitting broadcasts through the gateway when the parent asks (IPC).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { createMemoryEventLog, createSocketServer } from 'socket-gateway/advanced';
import { SocketGateway } from 'socket-gateway';
import { events } from '@/events';
import { benchTokenSecret } from '../token-key';
import { createEventStreams, createEventsSubscription, parseEventsInput } from 'socket-gateway/trpc';

type Command = { cmd: 'mem' } | { cmd: 'cpu' } | { cmd: 'broadcast'; count: number } | { cmd: 'stop' };

const log = createMemoryEventLog();
const httpServer = createServer();
const sockets = createSocketServer(httpServer, {
  events,
  secret: benchTokenSecret(),
  log,
  register: false,
  validatePayloads: false,
  maxConnectionsPerUser: 10,
});
const gateway = new SocketGateway(() => sockets);
const streams = createEventStreams({ log, membership: sockets.stores.membership });
const t = initTRPC.context<{ userId: string | undefined }>().create();
const router = t.router({
  events: t.procedure.input(parseEventsInput).subscription(
    createEventsSubscription<Record<string, unknown>, { userId: string | undefined }>({
      streams,
      revocations: sockets.stores.revocations,
      user: (ctx) => (ctx.userId ? { id: ctx.userId } : null),
    }),
  ),
});
const sse = createHTTPServer({
  router,
  createContext: ({ req }) => ({ userId: typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined }),
});

/**
 * The same streams without tRPC: a plain SSE route writing each item itself, to tell the cost of
 * the event streams from the cost of tRPC's SSE producer (web streams, one generator per layer).
 */
const raw = createServer((req, res) => {
  const userId = req.headers['x-user'];
  if (typeof userId !== 'string') return void res.writeHead(401).end();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const closed = new AbortController();
  req.on('close', () => closed.abort());
  void (async () => {
    try {
      for await (const item of streams.open(userId, { revoked: async () => false, signal: closed.signal })) {
        res.write(`id: ${item.id}\ndata: ${JSON.stringify({ event: item.event, data: item.data })}\n\n`);
      }
    } catch {
      // ended
    }
    res.end();
  })();
});

await sockets.ready;
await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => sse.listen(0, '127.0.0.1', resolve));
process.send!({
  ready: true,
  socketPort: (httpServer.address() as AddressInfo).port,
  ssePort: (sse.address() as AddressInfo).port,
  rawPort: (raw.address() as AddressInfo).port,
});

process.on('message', async (message: Command) => {
  if (message.cmd === 'mem') {
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send!({ rss, heapUsed, sockets: sockets.io.of('/').sockets.size, streams: streams.count() });
  } else if (message.cmd === 'broadcast') {
    const cpu = process.cpuUsage();
    const started = Date.now();
    for (let i = 0; i < message.count; i++) {
      await gateway.broadcast('announcement', { id: String(i), from: 'bench', message: 'hello', sentAt: Date.now() });
    }
    process.send!({ emitted: message.count, emitMs: Date.now() - started, cpu: process.cpuUsage(cpu) });
  } else if (message.cmd === 'cpu') {
    process.send!({ cpu: process.cpuUsage() });
  } else {
    await streams.close();
    await sockets.close();
    sse.close();
    raw.close();
    process.exit(0);
  }
});
