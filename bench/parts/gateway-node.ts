/**
 * One gateway node as production composes it (src/server/realtime.ts `createRealtime`: the
 * embedded SQLite database or Redis, from DATABASE_PATH / REDIS_URL in its environment), in its
 * own process, driven over IPC by the `log` and `catchup` parts.
 *
 * Two gateways share the node, its sockets and its stores, and differ only in their sink:
 * - `log`:    the registered `gateway` singleton: append to the event log, delivered by this
 *             node's log reader (replay.ts), what every running server does;
 * - `direct`: `new SocketGateway` over the same runtime with `createDirectSink(io)`: straight to
 *             Socket.IO (through the Redis adapter when there is one), the path without the log.
 * The log-less variant is built here (direct-sink.ts) from public exports rather than through a production switch:
 * the product has no supported way to run without the log, and should not grow one for a bench.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEnv } from '../../src/env';
import { createRealtime } from '../../src/server/realtime';
import { gateway } from 'socket-gateway/advanced';
import { SocketGateway } from 'socket-gateway';
import { createDirectSink } from './direct-sink';
import { BENCH_ROOM, FANOUT_EVENT, USER_EVENT, fanoutPayload, monoMs, userId, userPayload } from '../lib/protocol';

export type Sink = 'log' | 'direct';

/** harness → node */
export type NodeCommand =
  | { type: 'stats'; id: number }
  | { type: 'fanout'; id: number; sink: Sink; round: number }
  /** `count` events, event i to userId(offset + i % users), at most `inFlight` unresolved at once. */
  | { type: 'emitToUsers'; id: number; sink: Sink; count: number; users: number; offset: number; inFlight: number };

/** node → harness */
export type NodeReply =
  | { type: 'ready'; port: number; mode: 'embedded' | 'redis' }
  | { type: 'stats'; id: number; user: number; system: number; rss: number }
  /** `failed`: emits that rejected (the log could not take them, e.g. a Redis command timed out); `error`: the first one's message. */
  | { type: 'sent'; id: number; startedAt: number; endedAt: number; failed: number; error?: string };

const members = Number(process.env.BENCH_MEMBERS ?? '0');
const httpServer = createServer();
const env = getEnv();
const realtime = await createRealtime(httpServer, env);
const direct = new SocketGateway(() => ({ ...realtime.sockets, sink: createDirectSink(realtime.sockets.io) }));
const gateways: Record<Sink, SocketGateway> = { log: gateway, direct };

// Every socket joins the bench room as it connects (as `enterRoom` makes a member's sockets do). Not stored
// memberships: a connect with stored rooms announces presence:changed to each, and with every user in one
// room that is N²/2 deliveries while connecting (1,000 clients took 15 s to connect), not the path measured.
if (members > 0) realtime.sockets.io.on('connection', (socket) => void socket.join(BENCH_ROOM));

function reply(message: NodeReply): void {
  process.send?.(message);
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

async function emitToUsers(command: Extract<NodeCommand, { type: 'emitToUsers' }>): Promise<void> {
  const target = gateways[command.sink];
  const startedAt = monoMs();
  const failures = { failed: 0, error: undefined as string | undefined };
  const fail = (error: unknown) => {
    failures.failed += 1;
    failures.error ??= error instanceof Error ? error.message || error.name : String(error);
  };
  for (let first = 0; first < command.count; first += command.inFlight) {
    const last = Math.min(command.count, first + command.inFlight);
    const pending: Promise<void>[] = [];
    for (let i = first; i < last; i++) pending.push(target.emitToUser(userId(command.offset + (i % command.users)), USER_EVENT, userPayload(i)).catch(fail));
    await Promise.all(pending);
    // Lets sockets flush and pings through between chunks, as a steady producer would.
    await yieldToIo();
  }
  reply({ type: 'sent', id: command.id, startedAt, endedAt: monoMs(), ...failures });
}

process.on('message', (message: NodeCommand) => {
  switch (message.type) {
    case 'stats': {
      const cpu = process.cpuUsage();
      reply({ type: 'stats', id: message.id, user: cpu.user, system: cpu.system, rss: process.memoryUsage.rss() });
      break;
    }
    case 'fanout': {
      const startedAt = monoMs();
      void gateways[message.sink].emitToRoom(BENCH_ROOM, FANOUT_EVENT, fanoutPayload(message.round)).then(
        () => reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs(), failed: 0 }),
        (error: Error) => reply({ type: 'sent', id: message.id, startedAt, endedAt: monoMs(), failed: 1, error: error.message || error.name }),
      );
      break;
    }
    case 'emitToUsers':
      void emitToUsers(message);
      break;
  }
});

process.on('disconnect', () => process.exit(0));

httpServer.listen({ port: 0, host: '127.0.0.1', backlog: env.http.listenBacklog }, () => {
  reply({ type: 'ready', port: (httpServer.address() as AddressInfo).port, mode: realtime.mode });
});
