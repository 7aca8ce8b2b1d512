/**
 * One server under test, in its own process (so `process.cpuUsage()` and memory are its
 * own). Started by the harness with `node --expose-gc --import tsx bench/server.ts`, driven
 * over IPC. BENCH_SPEC (JSON ServerSpec) picks the server:
 *
 * - ws:      raw `ws`; fan-out writes ONE pre-built frame (`WebSocket.Sender.frame`) to every socket.
 * - sio:     raw Socket.IO; `io.to(room).emit(...)`.
 * - gateway: our stack: the real `createSocketServer` (token auth, limits) and the real
 *            `gateway` singleton found through the globalThis registry.
 * - trpc:    tRPC v11 `applyWSSHandler`, one async-generator subscription per client.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { Server as SocketIOServer } from 'socket.io';
import * as wsModule from 'ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { DEFAULT_LISTEN_BACKLOG } from '../src/env';
import { events } from '../src/events';
import { gateway } from '../src/server/gateway';
import type { MembershipStore } from 'socket-gateway/advanced';
import { createSocketServer } from 'socket-gateway/advanced';
import { benchTokenSecret } from './token-key';
import {
  BENCH_ROOM,
  FANOUT_EVENT,
  USER_EVENT,
  fanoutPayload,
  monoMs,
  userId,
  userPayload,
  type ServerCommand,
  type ServerReply,
  type ServerSpec,
} from './lib/protocol';

interface Target {
  fanout(round: number): void;
  emitToUser(user: string, index: number): void;
  connections(): number;
}

const spec = JSON.parse(process.env.BENCH_SPEC ?? '{}') as ServerSpec;
const httpServer = createServer();
const target = start(spec);

function start(s: ServerSpec): Target {
  switch (s.kind) {
    case 'ws':
      return startWs();
    case 'sio':
      return startSocketIo(s);
    case 'gateway':
      return startGateway(s);
    case 'trpc':
      return startTrpc();
    default:
      throw new Error(`unknown server kind ${JSON.stringify(s.kind)}`);
  }
}

function startWs(): Target {
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, clientTracking: true });
  const byUser = new Map<string, WebSocket>();
  wss.on('connection', (socket, req) => {
    const user = new URL(req.url ?? '/', 'http://x').searchParams.get('u') ?? '';
    byUser.set(user, socket);
    socket.once('close', () => byUser.delete(user));
  });
  // Untyped ws internals, the same two engine.io uses for its pre-encoded frames.
  type FrameSender = { _sender: { sendFrame(list: Buffer[], cb?: (error?: Error) => void): void } };
  const { Sender } = wsModule as unknown as {
    Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
  };
  return {
    fanout(round) {
      const data = Buffer.from(JSON.stringify([FANOUT_EVENT, fanoutPayload(round)]));
      // The floor: one frame, built once, written to every socket (what Socket.IO's adapter
      // does for a room). @see https://github.com/websockets/ws/issues/617#issuecomment-283002469
      const frame = Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
      for (const socket of wss.clients) (socket as unknown as FrameSender)._sender.sendFrame(frame);
    },
    emitToUser(user, index) {
      byUser.get(user)?.send(JSON.stringify([USER_EVENT, userPayload(index)]));
    },
    connections: () => wss.clients.size,
  };
}

function startSocketIo(s: ServerSpec): Target {
  const io = new SocketIOServer(httpServer, {
    serveClient: false,
    transports: s.polling ? ['polling', 'websocket'] : ['websocket'],
    perMessageDeflate: s.deflate ? { threshold: 0 } : false,
  });
  io.on('connection', (socket) => {
    const auth = socket.handshake.auth as { u?: string };
    socket.join([BENCH_ROOM, `user:${auth.u ?? ''}`]);
    if (s.dropRequest) (socket.conn as unknown as { request: IncomingMessage | null }).request = null;
  });
  return {
    fanout(round) {
      io.to(BENCH_ROOM).emit(FANOUT_EVENT, fanoutPayload(round));
    },
    emitToUser(user, index) {
      io.to(`user:${user}`).emit(USER_EVENT, userPayload(index));
    },
    connections: () => io.engine.clientsCount,
  };
}

function startGateway(s: ServerSpec): Target {
  // No stored rooms: a connect with rooms announces presence:changed to each of them, and with all N
  // users in one room that is N²/2 deliveries while connecting (measured: 93 connects/s at N = 1,000),
  // which raw Socket.IO does not do. Sockets join the bench room as they connect, as `enterRoom` makes
  // them (the cluster part goes through `enterRoom` itself); the emit path under test is the same.
  const membership: MembershipStore = {
    join: async () => ({ ok: true, added: false, count: 1 }),
    leave: async () => ({ removed: false, count: 1 }),
    roomsOf: async () => [],
    isMember: async (_userId, room) => room === BENCH_ROOM,
    membersOf: async () => [],
    countMembers: async () => 0,
  };
  const handle = createSocketServer(httpServer, { events, secret: benchTokenSecret(), stores: { membership } });
  handle.io.on('connection', (socket) => void socket.join(BENCH_ROOM));
  if (s.keepRequest) {
    const kept: IncomingMessage[] = [];
    handle.io.use((socket, next) => {
      kept.push(socket.conn.request);
      next();
    });
  }
  return {
    fanout(round) {
      if (s.fanout === 'all') gateway.broadcast(FANOUT_EVENT, fanoutPayload(round));
      else gateway.emitToRoom(BENCH_ROOM, FANOUT_EVENT, fanoutPayload(round));
    },
    emitToUser(user, index) {
      gateway.emitToUser(user, USER_EVENT, userPayload(index));
    },
    connections: () => handle.io.engine.clientsCount,
  };
}

function startTrpc(): Target {
  type Payload = ReturnType<typeof fanoutPayload> | ReturnType<typeof userPayload>;
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const t = initTRPC.create();
  // The idiomatic tRPC v11 subscription: an async generator per client, fed by an event bus
  // (one channel for everyone, one per user).
  const router = t.router({
    onEvent: t.procedure.input(z.object({ u: z.string() })).subscription(async function* ({ input, signal }) {
      const queue: Payload[] = [];
      let wake: (() => void) | null = null;
      const push = (payload: Payload) => {
        queue.push(payload);
        wake?.();
        wake = null;
      };
      const stop = () => {
        wake?.();
        wake = null;
      };
      bus.on('all', push);
      bus.on(`user:${input.u}`, push);
      signal?.addEventListener('abort', stop);
      try {
        while (!signal?.aborted) {
          if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          while (queue.length > 0) yield queue.shift()!;
        }
      } finally {
        bus.off('all', push);
        bus.off(`user:${input.u}`, push);
        signal?.removeEventListener('abort', stop);
      }
    }),
  });
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
  applyWSSHandler({ wss, router, createContext: () => ({}) });
  return {
    fanout(round) {
      bus.emit('all', fanoutPayload(round));
    },
    emitToUser(user, index) {
      bus.emit(`user:${user}`, userPayload(index));
    },
    connections: () => wss.clients.size,
  };
}

function reply(message: ServerReply): void {
  process.send?.(message);
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

process.on('message', (message: ServerCommand) => {
  switch (message.type) {
    case 'stats': {
      if (message.gc) collect();
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      reply({
        type: 'stats',
        id: message.id,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        user: cpu.user,
        system: cpu.system,
        connections: target.connections(),
      });
      break;
    }
    case 'fanout': {
      const startedAt = monoMs();
      target.fanout(message.round);
      reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs() });
      break;
    }
    case 'snapshot':
      collect();
      reply({ type: 'snapshot', id: message.id, path: writeHeapSnapshot(message.path) });
      break;
    case 'emitToUsers': {
      const startedAt = monoMs();
      for (let i = 0; i < message.count; i++) target.emitToUser(userId(i), i);
      reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs() });
      break;
    }
  }
});

// Without an IPC channel (harness gone) there is nothing left to do.
process.on('disconnect', () => process.exit(0));

// server.ts's accept queue, for every kind of server.
httpServer.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () => {
  reply({ type: 'ready', port: (httpServer.address() as AddressInfo).port });
});
