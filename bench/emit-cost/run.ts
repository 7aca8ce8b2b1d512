/**
 * What the gateway itself costs per emit, without the network: one process, no sockets, so every
 * microsecond is bookkeeping (bounds, the event log, the reader, the replay window, metrics) and
 * Socket.IO's broadcast of a packet nobody receives. Raw Socket.IO's `io.to(room).emit` is the
 * floor. `--per 1` awaits each emit before the next (the log flushes once per emit, as under
 * real traffic); `--per 1000` emits in runs of 1,000 (one flush each). The memory log fills up to
 * its 100,000 entries during the first round, so later rounds measure a full log.
 *
 *   npx tsx bench/emit-cost/run.ts [--server gateway|sio] [--per 1] [--emits 200000] [--rounds 6]
 *
 * Prints CPU µs per emit (process.cpuUsage) per round, then the median and min–max of the rounds
 * after the first (a warm-up). Run it on a quiet machine: it measures one core's time.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';
import { createSocketServer } from 'socket-gateway/advanced';
import { events } from '../../src/events';
import { gateway } from '../../src/server/gateway';
import { USER_EVENT, userPayload } from '../lib/protocol';
import { benchTokenSecret } from '../token-key';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'gateway' },
    per: { type: 'string', default: '1' },
    emits: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '6' },
  },
});
// As the other bench servers run: no schema checks on emits (production's default), quiet logs.
process.env.LOG_LEVEL ??= 'warn';
process.env.NEXTAUTH_SECRET ??= 'bench-only-nextauth-secret-0123456789abcdef';
const per = Number(values.per);
const emits = Number(values.emits);
const rounds = Number(values.rounds);
if (!(per >= 1 && emits >= per && rounds >= 2) || !['gateway', 'sio'].includes(values.server)) {
  console.error('usage: npx tsx bench/emit-cost/run.ts [--server gateway|sio] [--per 1] [--emits 200000] [--rounds 6]');
  process.exit(2);
}

const httpServer = createServer();
let emit: (i: number) => unknown;
if (values.server === 'sio') {
  const io = new Server(httpServer);
  emit = (i) => io.to(`user:u${i % 1000}`).emit(USER_EVENT, userPayload(i));
} else {
  const handle = createSocketServer(httpServer, { events, secret: benchTokenSecret(), validatePayloads: false });
  await handle.ready;
  emit = (i) => gateway.emitToUser(`u${i % 1000}`, USER_EVENT, userPayload(i));
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const perRound: number[] = [];
for (let round = 0; round < rounds; round++) {
  const before = process.cpuUsage();
  for (let i = 0; i < emits; i += per) {
    const pending: unknown[] = [];
    for (let j = i; j < i + per; j++) pending.push(emit(j));
    await Promise.all(pending);
    if (per > 1 || i % 1_000 === 0) await turn(); // let timers and I/O run, as between requests
  }
  const used = process.cpuUsage(before);
  perRound.push((used.user + used.system) / emits);
  console.log(`${values.server} round ${round}${round === 0 ? ' (warm-up)' : ''}: ${perRound.at(-1)!.toFixed(2)} µs CPU per emit`);
}
const measured = perRound.slice(1).sort((a, b) => a - b);
const median = measured[Math.floor(measured.length / 2)]!;
console.log(
  `${values.server}, ${per} per flush, ${emits} emits × ${rounds - 1} rounds: median ${median.toFixed(2)} µs CPU per emit (${measured[0]!.toFixed(2)}–${measured.at(-1)!.toFixed(2)})`,
);
process.exit(0);
