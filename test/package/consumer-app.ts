/**
 * The files of the minimal app the tarball test installs socket-gateway into: its own events
 * (none of them the demo's), its own server and emitter scripts, written only against the public
 * contract (issue 19: createSocketGateway, mintToken, attach, gateway.emitToUser,
 * createGatewayEmitter, createSocketHooks) and the stock socket.io-client.
 *
 * Every script runs as its own `node` process with a near-empty environment (the library reads no
 * settings) and prints one JSON line per fact the test checks.
 */

/** What the app installs beside the tarball: zod 3 (what create-t3-app 7.40 ships) proves zod 3 schemas work. */
export const CONSUMER_DEPENDENCIES = [
  'socket.io@4.8.4',
  'socket.io-client@4.8.4',
  'redis@6.3.1',
  // the optional peers of redisUrl (the Redis adapter) and of socket-gateway/emitter
  '@socket.io/redis-adapter@8.3.0',
  '@socket.io/redis-emitter@5.1.0',
  'zod@3.25.76',
  'react@19.3.1',
  '@tanstack/react-query@5.108.0',
  // the optional peer of socket-gateway/trpc (every entry is imported below)
  '@trpc/server@11.22.1',
  '@types/react@19.3.0',
  '@types/node@20.19.43',
];

/** The app's user and events; the test parses what the scripts print against these. */
export const USER_ID = 'customer-7';

const events = `import { z } from 'zod';

// This app's own events (zod 3 schemas, through Standard Schema).
export const events = {
  'order:shipped': z.object({ orderId: z.string(), at: z.number() }),
  'invoice:paid': z.object({ invoiceId: z.string(), cents: z.number().int() }),
};
export const secret = 'consumer-app-secret-0123456789-abcdefghijklmnop';
export const print = (fact) => process.stdout.write(JSON.stringify(fact) + '\\n');
/** A process that does not end within 5 s of closing everything left handles open: say so. */
export const exitSoon = () =>
  setTimeout(() => {
    console.error('still running 5 s after close(): something the library opened was left open');
    process.exit(3);
  }, 5000).unref();
`;

/** (a) One node in memory: { events, secret } is all it needs. */
const oneNode = `import { createServer } from 'node:http';
import { createSocketGateway } from 'socket-gateway';
import { io } from 'socket.io-client';
import { events, exitSoon, print, secret } from './events.mjs';

const realtime = createSocketGateway({ events, secret });
const server = createServer();
await realtime.attach(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { token, expiresAt } = await realtime.mintToken('${USER_ID}');
const client = io('http://127.0.0.1:' + server.address().port, { auth: { token }, transports: ['websocket'], reconnection: false });
const received = new Promise((resolve) => client.on('order:shipped', (...args) => resolve(args)));
await new Promise((resolve, reject) => {
  client.once('connect', resolve);
  client.once('connect_error', reject);
});
// The socket joins its user's room as it connects; an emit that lands before the join reaches no one
// (emit to an offline user completes silently), so a fresh payload is sent until one arrives.
const sent = [];
let args;
for (let attempt = 0; attempt < 10 && !args; attempt++) {
  const payload = { orderId: 'order-' + attempt, at: 1700000000000 + attempt };
  sent.push(payload);
  await realtime.gateway.emitToUser('${USER_ID}', 'order:shipped', payload);
  args = await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 1000))]);
}
print({ sent, args: args ?? null, expiresAt });
client.close();
await realtime.close();
await new Promise((resolve) => server.close(resolve));
exitSoon();
`;

/** (b) A node on Redis. ROLE=serve: mints a token and serves until SIGTERM; ROLE=emit: emits PAYLOAD to the user and ends. */
const redisNode = `import { createServer } from 'node:http';
import { createSocketGateway } from 'socket-gateway';
import { events, exitSoon, print, secret } from './events.mjs';

const realtime = createSocketGateway({ events, secret, redisUrl: process.env.REDIS_URL });
const server = createServer();
await realtime.attach(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const stop = async () => {
  await realtime.close();
  await new Promise((resolve) => server.close(resolve));
  exitSoon();
};
if (process.env.ROLE === 'serve') {
  const { token } = await realtime.mintToken('${USER_ID}');
  print({ ready: true, port: server.address().port, token });
  process.once('SIGTERM', stop);
} else {
  await realtime.gateway.emitToUser('${USER_ID}', 'order:shipped', JSON.parse(process.env.PAYLOAD));
  print({ emitted: true });
  await stop();
}
`;

/** (b) A worker: no server, only the emitter (its Redis URL and the events). */
const worker = `import { createGatewayEmitter } from 'socket-gateway/emitter';
import { events, exitSoon, print } from './events.mjs';

const emitter = await createGatewayEmitter({ events, redisUrl: process.env.REDIS_URL });
await emitter.emitToUser('${USER_ID}', 'invoice:paid', JSON.parse(process.env.PAYLOAD));
print({ emitted: true });
await emitter.close();
exitSoon();
`;

/** (b) The browser side, played by the stock client: prints each event it receives. */
const client = `import { io } from 'socket.io-client';
import { print } from './events.mjs';

const client = io(process.env.URL, { auth: { token: process.env.TOKEN }, transports: ['websocket'] });
for (const name of ['order:shipped', 'invoice:paid']) client.on(name, (...args) => print({ event: name, args }));
client.on('connect', () => print({ connected: true }));
client.on('connect_error', (error) => print({ connectError: error.message }));
process.once('SIGTERM', () => {
  client.close();
  process.exit(0);
});
`;

/** Imports one entry (argv[2]) and prints its export names, or the error it threw. */
const importEntry = `try {
  const entry = await import(process.argv[2]);
  process.stdout.write(JSON.stringify({ names: Object.keys(entry).sort() }) + '\\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error), code: error?.code ?? null }) + '\\n');
}
`;

/** The app's TypeScript, as create-t3-app configures it (moduleResolution bundler, strict). */
const tsconfig = {
  compilerOptions: {
    target: 'es2022',
    lib: ['es2022', 'dom', 'dom.iterable'],
    module: 'ESNext',
    moduleResolution: 'Bundler',
    moduleDetection: 'force',
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    jsx: 'preserve',
    noEmit: true,
    types: ['node'],
  },
  include: ['src'],
};

const tsEvents = `import { z } from 'zod';

export const events = {
  'order:shipped': z.object({ orderId: z.string(), at: z.number() }),
  'invoice:paid': z.object({ invoiceId: z.string(), cents: z.number().int() }),
};
`;

/** Typed from the app's events: a wrong event name or payload must not compile (each @ts-expect-error must be used). */
const tsServer = `import { createServer } from 'node:http';
import { createSocketGateway, getGateway } from 'socket-gateway';
import { createGatewayEmitter } from 'socket-gateway/emitter';
import { events } from './events.js';

export async function start(): Promise<void> {
  const realtime = createSocketGateway({ events, secret: 'consumer-app-secret-0123456789-abcdefghijklmnop' });
  await realtime.attach(createServer());
  const { token, expiresAt }: { token: string; expiresAt: number } = await realtime.mintToken('${USER_ID}');
  void token;
  void expiresAt;
  await realtime.gateway.emitToUser('${USER_ID}', 'order:shipped', { orderId: 'o-1', at: 1 });
  // @ts-expect-error -- not an event of this app
  await realtime.gateway.emitToUser('${USER_ID}', 'order:lost', { orderId: 'o-1', at: 1 });
  // @ts-expect-error -- the payload does not match the event's schema
  await realtime.gateway.emitToUser('${USER_ID}', 'order:shipped', { orderId: 1, at: 1 });
  await getGateway<typeof events>().emitToUser('${USER_ID}', 'invoice:paid', { invoiceId: 'i-1', cents: 100 });
  await realtime.close();

  const emitter = await createGatewayEmitter({ events, redisUrl: 'redis://127.0.0.1:6379' });
  await emitter.emitToUser('${USER_ID}', 'invoice:paid', { invoiceId: 'i-1', cents: 100 });
  // @ts-expect-error -- not an event of this app
  await emitter.emitToUser('${USER_ID}', 'invoice:lost', { invoiceId: 'i-1', cents: 100 });
  await emitter.close();
}
`;

const tsHooks = `import { createSocketHooks } from 'socket-gateway/react';
import type { events } from './events.js';

export const { SocketProvider, useSocketEvent, useSocketStatus } = createSocketHooks<typeof events>();

export function useShipments(onShipped: (orderId: string) => void): void {
  useSocketEvent('order:shipped', (shipment) => onShipped(shipment.orderId));
  // @ts-expect-error -- not an event of this app
  useSocketEvent('order:lost', () => undefined);
}
`;

/** The same app as a plain Node ESM project resolves it (`node16`/`nodenext`): the package's `.d.ts` must resolve there too. */
const tsconfigNode = { extends: './tsconfig.json', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } };

/** path (inside the app) → contents. */
export function consumerFiles(): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2),
    'events.mjs': events,
    'one-node.mjs': oneNode,
    'redis-node.mjs': redisNode,
    'worker.mjs': worker,
    'client.mjs': client,
    'import-entry.mjs': importEntry,
    'tsconfig.json': JSON.stringify(tsconfig, null, 2),
    'tsconfig.node.json': JSON.stringify(tsconfigNode, null, 2),
    'src/events.ts': tsEvents,
    'src/server.ts': tsServer,
    'src/hooks.ts': tsHooks,
  };
}
