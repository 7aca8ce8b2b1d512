/**
 * One node of the cluster under test, in its own process (so `process.cpuUsage()` and memory are
 * its own), driven over IPC by a cluster part. BENCH_NODE_KIND picks the server; BENCH_REDIS_URL
 * is the Redis both nodes share.
 *
 * - gateway: what server.ts runs in Redis mode, minus Next: the settings parsed by src/env.ts
 *            (REDIS_URL set) and `createRealtime(httpServer, env)` (Redis stores, the Redis event
 *            log, @socket.io/redis-adapter), pushing through the real `gateway` singleton.
 * - sio:     raw Socket.IO 4.8 with @socket.io/redis-adapter 8.3.0 on node-redis connections;
 *            `io.to(room).emit(...)`; each client joins the bench room and its user room at connect.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server as SocketIOServer } from 'socket.io';
import { DEFAULT_LISTEN_BACKLOG, initEnv } from '../src/env';
import { createRealtime, type Realtime } from '../src/server/realtime';
import { gateway } from '../src/server/gateway';
import { BENCH_ROOM, FANOUT_EVENT, USER_EVENT, fanoutPayload, monoMs, userId, userPayload } from './lib/protocol';
import type { ClusterNodeKind, NodeCommand, NodeReply } from './lib/cluster-protocol';

interface Node {
  fanout(round: number): void;
  /** Resolves once the emit is accepted (gateway) or at once (Socket.IO). */
  emitToUser(user: string, index: number): Promise<void> | void;
  enterRoom(n: number, room: string): Promise<void>;
  exitRoom(n: number, room: string): Promise<void>;
  seedRooms(rooms: Extract<NodeCommand, { type: 'seedRooms' }>['rooms']): Promise<void>;
  connections(): number;
}

const kind = process.env.BENCH_NODE_KIND as ClusterNodeKind;
const EMIT_WINDOW = 1000;
const redisUrl = process.env.BENCH_REDIS_URL ?? '';
const httpServer = createServer();
/** BENCH_CLUSTER_PROFILE (bench/parts/cluster.ts): the measured rounds only, through this process's own inspector (attached from profileStart to profileStop only). */
let profiler: Session | undefined;
/** A refused emit rejects (never a silent drop); the bench counts them instead of crashing on them. */
let emitFailures = 0;
const counted = (emit: Promise<void>) =>
  emit.catch((error: Error) => {
    if (emitFailures++ === 0) console.error(`cluster node: an emit was refused: ${error.message}`);
  });

/** Runs `task(i)` for i < n, `width` at a time (a burst of 10,000 Redis calls at once only queues). */
async function inBatches(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < n; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, n - start) }, (_, k) => task(start + k)));
  }
}

async function startGateway(): Promise<Node> {
  // Settings as server.ts parses them (NODE_ENV=production and NEXTAUTH_SECRET come from the part).
  const env = initEnv({ ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const realtime: Realtime = await createRealtime(httpServer, env);
  const { stores, maxRoomsPerUser } = realtime.sockets;
  return {
    fanout(round) {
      void counted(gateway.emitToRoom(BENCH_ROOM, FANOUT_EVENT, fanoutPayload(round)));
    },
    emitToUser: (user, index) => counted(gateway.emitToUser(user, USER_EVENT, userPayload(index))),
    enterRoom: (n, room) => inBatches(n, 200, (i) => gateway.enterRoom({ id: userId(i), role: 'user' }, room)),
    exitRoom: (n, room) => inBatches(n, 200, (i) => gateway.exitRoom(userId(i), room)),
    async seedRooms(rooms) {
      for (const { room, from, to } of rooms) await inBatches(to - from, 200, (k) => stores.membership.join(userId(from + k), room, maxRoomsPerUser));
    },
    connections: () => realtime.sockets.io.engine.clientsCount,
  };
}

async function startSocketIo(): Promise<Node> {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const io = new SocketIOServer(httpServer, { serveClient: false, transports: ['websocket'], adapter: createAdapter(pub, sub) });
  io.on('connection', (socket) => {
    const auth = socket.handshake.auth as { u?: string };
    socket.join([BENCH_ROOM, `user:${auth.u ?? ''}`]);
  });
  return {
    fanout(round) {
      io.to(BENCH_ROOM).emit(FANOUT_EVENT, fanoutPayload(round));
    },
    emitToUser(user, index) {
      io.to(`user:${user}`).emit(USER_EVENT, userPayload(index));
    },
    enterRoom: async () => undefined, // every client joined the bench room at connect
    exitRoom: async () => undefined,
    seedRooms: async () => undefined,
    connections: () => io.engine.clientsCount,
  };
}

function reply(message: NodeReply): void {
  process.send?.(message);
}

const node = kind === 'gateway' ? await startGateway() : kind === 'sio' ? await startSocketIo() : undefined;
if (!node) throw new Error(`BENCH_NODE_KIND must be gateway or sio, got ${JSON.stringify(kind)}`);

process.on('message', (message: NodeCommand) => {
  switch (message.type) {
    case 'stats': {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      reply({
        type: 'stats',
        id: message.id,
        user: cpu.user,
        system: cpu.system,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        connections: node.connections(),
        emitFailures,
      });
      break;
    }
    case 'fanout': {
      const startedAt = monoMs();
      node.fanout(message.round);
      reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs() });
      break;
    }
    case 'emitToUsers': {
      // At most EMIT_WINDOW gateway emits in flight: 10,000 at once queue on one Redis connection
      // for longer than node-redis's 5 s command timeout when the core is busy delivering.
      const startedAt = monoMs();
      void (async () => {
        let inFlight: (Promise<void> | void)[] = [];
        for (let i = 0; i < message.count; i++) {
          inFlight.push(node.emitToUser(userId(i), i));
          if (inFlight.length >= EMIT_WINDOW) {
            await Promise.all(inFlight);
            inFlight = [];
          }
        }
        await Promise.all(inFlight);
        reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs() });
      })();
      break;
    }
    case 'profileStart': {
      const session = (profiler ??= new Session());
      session.connect();
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 250 }, () =>
          session.post('Profiler.start', () => reply({ type: 'done', id: message.id, ms: 0 })),
        ),
      );
      break;
    }
    case 'profileStop':
      if (!profiler) {
        reply({ type: 'done', id: message.id, ms: 0 });
        break;
      }
      profiler.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(message.file, JSON.stringify(result.profile));
        profiler?.disconnect(); // no session stays attached between the measured windows
        profiler = undefined;
        reply({ type: 'done', id: message.id, ms: 0 });
      });
      break;
    case 'enterRoom':
    case 'exitRoom':
    case 'seedRooms': {
      const startedAt = monoMs();
      const work = message.type === 'seedRooms' ? node.seedRooms(message.rooms) : node[message.type](message.n, message.room);
      work.then(
        () => reply({ type: 'done', id: message.id, ms: monoMs() - startedAt }),
        (error: Error) => {
          console.error(`cluster node: ${message.type} failed: ${error.message}`);
          process.exit(1);
        },
      );
      break;
    }
  }
});

// Without an IPC channel (the part is gone) there is nothing left to do.
process.on('disconnect', () => process.exit(0));

// server.ts's accept queue, for every kind of node (the storm's reconnect wave overflowed Node's 511).
httpServer.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () =>
  reply({ type: 'ready', port: (httpServer.address() as AddressInfo).port, pid: process.pid }),
);
