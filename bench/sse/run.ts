/**
 * SSE (tRPC subscription over the event log) against Socket.IO (the gateway's socket server), in
 * the same run, on one node: N subscribers of each transport, broadcasts through the gateway.
 * Reports deliveries per second (all deliveries / time from the first emit to the last delivery),
 * delivery latency p50/p99 (emit to receipt, one clock), server CPU per 1,000 deliveries and server
 * memory per subscriber (RSS and heap after GC, connected minus idle). The server runs in its own
 * process (bench/sse/server.ts, pinned to core 0 when taskset exists); the subscribers run here
 * (core 1): socket.io-client over WebSocket, and raw fetch SSE readers (what a browser's
 * EventSource does, without tRPC's client on top).
 *
 *   npx tsx bench/sse/run.ts [--clients 1000] [--events 100] [--repeats 2]
 */
import { fork, execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { mintSocketToken } from 'socket-gateway/advanced';
import { benchTokenKey } from '../token-key';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '1000' }, events: { type: 'string', default: '100' }, repeats: { type: 'string', default: '2' } },
});
const CLIENTS = Number(values.clients);
const EVENTS = Number(values.events);
const REPEATS = Number(values.repeats);
process.env.NEXTAUTH_SECRET ??= 'bench-only-nextauth-secret-0123456789abcdef';

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (hasTaskset) execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

type Reply = Record<string, number | boolean>;
const server = fork('bench/sse/server.ts', [], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
  env: {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SOCKET_MAX_UNAUTHENTICATED: '100000',
    SOCKET_MAX_UNAUTHENTICATED_PER_ADDRESS: '100000',
    SOCKET_MAX_CONNECTIONS: '100000',
    SOCKET_HANDSHAKE_RATE_BURST: '100000',
  },
});
const replies: ((reply: Reply) => void)[] = [];
server.on('message', (reply: Reply) => replies.shift()?.(reply));
const ask = (command: object) =>
  new Promise<Reply>((resolve) => {
    replies.push(resolve);
    server.send(command);
  });
const ready = await new Promise<Reply>((resolve) => replies.push(resolve));
if (hasTaskset) execFileSync('taskset', ['-p', '-c', '0', String(server.pid)], { stdio: 'ignore' });
const socketUrl = `http://127.0.0.1:${ready.socketPort}`;
const sseUrl = `http://127.0.0.1:${ready.ssePort}/events`;
const rawUrl = `http://127.0.0.1:${ready.rawPort}/`;

async function connectSockets(n: number, latencies: number[], mark: (at: number) => void): Promise<() => Promise<void>> {
  const clients: Socket[] = [];
  for (let batch = 0; batch < n; batch += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, n - batch) }, async (_, i) => {
        const { token } = await mintSocketToken(`s${batch + i}`, { key: benchTokenKey() });
        const client = io(socketUrl, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
        client.on('announcement', (payload: { sentAt: number }) => {
          const now = Date.now();
          latencies.push(now - payload.sentAt);
          mark(now);
        });
        clients.push(client);
        await new Promise<void>((resolve, reject) => {
          client.once('connect', () => resolve());
          client.once('connect_error', reject);
        });
      }),
    );
  }
  return async () => {
    for (const client of clients) client.disconnect();
  };
}

async function connectSse(n: number, latencies: number[], mark: (at: number) => void, url = sseUrl): Promise<() => Promise<void>> {
  const controllers: AbortController[] = [];
  let started = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  for (let i = 0; i < n; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    void (async () => {
      const response = await fetch(url, { headers: { 'x-user': `e${i}`, accept: 'text/event-stream' }, signal: controller.signal });
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (!data) continue;
            const item = JSON.parse(data.slice(6)) as { event?: string; data?: { sentAt?: number } } | null;
            if (item?.event === 'gateway:sync' && ++started === n) resolveAll();
            if (item?.event === 'announcement') {
              const now = Date.now();
              latencies.push(now - item.data!.sentAt!);
              mark(now);
            }
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  await all;
  return async () => {
    for (const controller of controllers) controller.abort();
  };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const until = async (check: () => boolean, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function measure(kind: 'socket.io' | 'sse' | 'sse-raw') {
  const idle = await ask({ cmd: 'mem' });
  const latencies: number[] = [];
  let lastAt = 0;
  const mark = (at: number) => (lastAt = at);
  const close =
    kind === 'socket.io' ? await connectSockets(CLIENTS, latencies, mark) : await connectSse(CLIENTS, latencies, mark, kind === 'sse' ? sseUrl : rawUrl);
  const connected = await ask({ cmd: 'mem' });
  const cpuBefore = (await ask({ cmd: 'cpu' })).cpu as unknown as { user: number; system: number };
  const startedAt = Date.now();
  await ask({ cmd: 'broadcast', count: EVENTS });
  await until(() => latencies.length >= CLIENTS * EVENTS);
  const cpuAfter = (await ask({ cmd: 'cpu' })).cpu as unknown as { user: number; system: number };
  const deliveries = latencies.length;
  const seconds = (lastAt - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  await close();
  await until(() => true);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the server see the closes
  const cpuMs = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / 1000;
  return {
    kind,
    deliveries,
    deliveriesPerSecond: Math.round(deliveries / seconds),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    cpuMsPer1000: +((cpuMs / deliveries) * 1000).toFixed(1),
    rssPerSubscriberKiB: +(((connected.rss as number) - (idle.rss as number)) / CLIENTS / 1024).toFixed(1),
    heapPerSubscriberKiB: +(((connected.heapUsed as number) - (idle.heapUsed as number)) / CLIENTS / 1024).toFixed(1),
  };
}

const rows = [];
const kinds = ['socket.io', 'sse', 'sse-raw'] as const;
for (let r = 0; r < REPEATS; r++) for (const kind of r % 2 ? [...kinds].reverse() : kinds) rows.push(await measure(kind));
console.log(`${CLIENTS} subscribers, ${EVENTS} broadcasts each run, one node (server on core 0, clients on core 1: ${hasTaskset})`);
console.table(rows);
server.send({ cmd: 'stop' });
server.kill();
process.exit(0);
