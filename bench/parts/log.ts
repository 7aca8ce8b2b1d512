/**
 * `log` part: what the durable event log costs on the emit path. One node composed as in
 * production (./gateway-node.ts) serves both paths over the same sockets, so the only difference
 * is the sink: `log` (append, then this node's log reader delivers) against `direct` (straight
 * to Socket.IO; through the Redis adapter on Redis). Blocks of the two alternate (A B, B A, …)
 * inside each node process, and every node process is a repeat.
 *
 * - fan-out 1,000: `emitToRoom` to a room whose 1,000 members are all connected;
 * - fan-out 1: a burst of `emitToUser`, spread round-robin over the 1,000 users (at most
 *   IN_FLIGHT unresolved emits at once), which also gives the throughput: events per second from
 *   the first emit until the last delivery.
 * CPU is the node's (`process.cpuUsage`) plus redis-server's (/proc/<pid>/stat) for Redis.
 *
 * Cluster: one node + Redis. The log's cost per node is one append per emit (on the emitting
 * node) and one read per entry on every node; the adapter's is one PUBLISH per emit and one
 * message per node. One node pays both sides of each, and a second node on this 2-core machine
 * would share the server core with the first and with redis-server, adding noise, not information.
 * (bench/parts/cluster.ts, another part, measures 2 nodes.)
 */
import { Child } from '../lib/child';
import type { Chart } from '../lib/svg-chart';
import type { Check, Part, PartContext, PartResult } from '../lib/part';
import type { ClientCommand, ClientReply } from '../lib/protocol';
import { fmt, fmtRatio, fmtSpread, markdownTable, ratio, spread, type Spread } from '../lib/stats';
import type { Sink } from './gateway-node';
import { BACKEND_LABEL, CLIENT_CORE, cpuBetween, openBackend, sampleCpu, sleep, startNode, stopNode, type Backend, type BackendHandle } from './node-trial';

type ClientChild = Child<ClientCommand, ClientReply>;

interface Plan {
  members: number;
  warmupRounds: number;
  blocks: number;
  roundsPerBlock: number;
  /** emitToUser events per burst (one burst per block and sink). */
  burst: number;
  inFlight: number;
  repeats: number;
}

const PLANS: Record<PartContext['mode'], Omit<Plan, 'repeats'>> = {
  smoke: { members: 20, warmupRounds: 1, blocks: 2, roundsPerBlock: 2, burst: 40, inFlight: 20 },
  quick: { members: 1000, warmupRounds: 10, blocks: 2, roundsPerBlock: 10, burst: 2_000, inFlight: 500 },
  full: { members: 1000, warmupRounds: 20, blocks: 4, roundsPerBlock: 20, burst: 10_000, inFlight: 500 },
};

const BACKENDS: Backend[] = ['sqlite', 'redis'];
const SINKS: Sink[] = ['log', 'direct'];
const TIMEOUT_MS = 30_000;

/** One measured block of one sink. */
export interface LogBlock {
  backend: Backend;
  sink: Sink;
  repeat: number;
  block: number;
  fanout: { emits: number; deliveries: number; missing: number; serverMs: number; redisMs: number };
  user: { emits: number; deliveries: number; missing: number; serverMs: number; redisMs: number; perSec: number };
}

export interface LogSummary {
  backend: Backend;
  sink: Sink;
  /** CPU µs per delivery at fan-out 1,000 (node + redis-server), and the node's share alone. */
  fanoutPerDelivery: Spread;
  fanoutServerPerDelivery: Spread;
  /** CPU ms per emitToRoom at fan-out 1,000. */
  fanoutPerEmit: Spread;
  /** CPU µs per emitToUser (= per delivery at fan-out 1). */
  userPerEmit: Spread;
  userServerPerEmit: Spread;
  userPerSec: Spread;
  missing: number;
}

function planFor(context: PartContext): Plan {
  // Quick mode has ~25 s: one node process per backend (the blocks inside it are the repeats).
  return { ...PLANS[context.mode], repeats: context.mode === 'full' ? context.repeats : 1 };
}

async function runTrial(context: PartContext, backend: BackendHandle, repeat: number, plan: Plan): Promise<LogBlock[]> {
  const t0 = Date.now();
  const { node, port } = await startNode(context, backend, `log-${backend.backend}-${repeat}`, plan.members);
  const t1 = Date.now();
  let client: ClientChild | undefined;
  try {
    client = Child.start<ClientCommand, ClientReply>({
      label: 'log clients',
      script: 'bench/client.ts',
      env: { ...context.env, BENCH_KIND: 'gateway', BENCH_PORT: String(port) },
      core: CLIENT_CORE,
      cwd: context.root,
    });
    await client.waitFor('ready', undefined, 60_000);
    const c = client;
    const connected = await c.request({ type: 'connect', n: plan.members, concurrency: context.concurrency }, 'connected', 120_000);
    if (connected.ok !== plan.members) throw new Error(`log part: ${connected.failed} of ${plan.members} clients failed to connect: ${connected.firstError}`);
    await sleep(200); // the gateway:sync frames of the handshakes arrive before the first round
    context.log(
      `  [${repeat + 1}] ${backend.backend}: node up in ${fmt((t1 - t0) / 1000)} s, ${plan.members} clients connected in ${fmt((Date.now() - t1) / 1000)} s`,
    );

    const expect = async (count: number) => {
      const id = c.id();
      const done = c.waitFor('done', id, TIMEOUT_MS + 10_000);
      await c.request({ type: 'expect', id, count, measure: false, timeoutMs: TIMEOUT_MS }, 'expecting');
      return done;
    };
    let round = 0;
    const fanoutRounds = async (sink: Sink, rounds: number) => {
      let missing = 0;
      for (let i = 0; i < rounds; i++) {
        const done = expect(plan.members);
        await sleep(0);
        const sent = await node.request({ type: 'fanout', sink, round: round++ }, 'sent');
        if (sent.failed) context.log(`  ${backend.backend} ${sink}: emitToRoom rejected: ${sent.error}`);
        missing += plan.members - (await done).received;
      }
      return missing;
    };
    const userBurst = async (sink: Sink) => {
      const done = expect(plan.burst);
      await sleep(0);
      const sent = await node.request(
        { type: 'emitToUsers', sink, count: plan.burst, users: plan.members, offset: 0, inFlight: plan.inFlight },
        'sent',
        120_000,
      );
      if (sent.failed) context.log(`  ${backend.backend} ${sink}: ${sent.failed} emitToUser rejected: ${sent.error}`);
      const result = await done;
      return { received: result.received, seconds: (result.lastAt - sent.startedAt) / 1000 };
    };

    for (const sink of SINKS) {
      await fanoutRounds(sink, plan.warmupRounds);
      await userBurst(sink);
    }

    const blocks: LogBlock[] = [];
    for (let b = 0; b < plan.blocks; b++) {
      // A B, then B A: neither sink always goes first.
      for (const sink of b % 2 === 0 ? SINKS : [...SINKS].reverse()) {
        await sleep(50);
        const f0 = await sampleCpu(node, backend);
        const fanoutMissing = await fanoutRounds(sink, plan.roundsPerBlock);
        const f1 = await sampleCpu(node, backend);
        await sleep(50);
        const u0 = await sampleCpu(node, backend);
        const burst = await userBurst(sink);
        const u1 = await sampleCpu(node, backend);
        const fanoutCpu = cpuBetween(f0, f1);
        const userCpu = cpuBetween(u0, u1);
        const deliveries = plan.roundsPerBlock * plan.members - fanoutMissing;
        blocks.push({
          backend: backend.backend,
          sink,
          repeat,
          block: b,
          fanout: { emits: plan.roundsPerBlock, deliveries, missing: fanoutMissing, serverMs: fanoutCpu.server, redisMs: fanoutCpu.redis },
          user: {
            emits: plan.burst,
            deliveries: burst.received,
            missing: plan.burst - burst.received,
            serverMs: userCpu.server,
            redisMs: userCpu.redis,
            perSec: burst.received / burst.seconds,
          },
        });
        context.log(
          `  [${repeat + 1}] ${backend.backend} ${sink.padEnd(6)} block ${b + 1}: fan-out ${fmt(((fanoutCpu.server + fanoutCpu.redis) * 1000) / deliveries)} µs/deliv, ` +
            `emitToUser ${fmt(((userCpu.server + userCpu.redis) * 1000) / burst.received)} µs/event, ${fmt(burst.received / burst.seconds)} events/s` +
            `${fanoutMissing || burst.received < plan.burst ? ` MISSING ${fanoutMissing} + ${plan.burst - burst.received}` : ''}`,
        );
      }
    }
    return blocks;
  } finally {
    await stopNode(node);
    await client?.stop();
  }
}

export function summariseLog(blocks: readonly LogBlock[]): LogSummary[] {
  const out: LogSummary[] = [];
  for (const backend of BACKENDS) {
    for (const sink of SINKS) {
      const group = blocks.filter((b) => b.backend === backend && b.sink === sink);
      if (group.length === 0) continue;
      const pick = (f: (b: LogBlock) => number) => spread(group.map(f));
      out.push({
        backend,
        sink,
        fanoutPerDelivery: pick((b) => ((b.fanout.serverMs + b.fanout.redisMs) * 1000) / b.fanout.deliveries),
        fanoutServerPerDelivery: pick((b) => (b.fanout.serverMs * 1000) / b.fanout.deliveries),
        fanoutPerEmit: pick((b) => (b.fanout.serverMs + b.fanout.redisMs) / b.fanout.emits),
        userPerEmit: pick((b) => ((b.user.serverMs + b.user.redisMs) * 1000) / b.user.deliveries),
        userServerPerEmit: pick((b) => (b.user.serverMs * 1000) / b.user.deliveries),
        userPerSec: pick((b) => b.user.perSec),
        missing: group.reduce((sum, b) => sum + b.fanout.missing + b.user.missing, 0),
      });
    }
  }
  return out;
}

function find(summary: readonly LogSummary[], backend: Backend, sink: Sink): LogSummary | undefined {
  return summary.find((s) => s.backend === backend && s.sink === sink);
}

export function logChecks(summary: readonly LogSummary[], plan: Pick<Plan, 'members' | 'burst'>): Check[] {
  const checks: Check[] = [];
  for (const backend of BACKENDS) {
    const log = find(summary, backend, 'log');
    const direct = find(summary, backend, 'direct');
    if (!log || !direct) continue;
    const cpu = ratio(log.fanoutPerDelivery.median, direct.fanoutPerDelivery.median);
    checks.push({
      target: `${BACKEND_LABEL[backend]}: log/no-log CPU per delivery at fan-out 1,000 ≤ 1.2×`,
      n: plan.members,
      value: fmtRatio(cpu),
      met: cpu <= 1.2,
    });
    const rate = log.userPerSec.median;
    checks.push({
      target: `${BACKEND_LABEL[backend]}: emitToUser with the log ≥ 20,000 events/s per node`,
      n: plan.burst,
      value: `${fmt(rate)}/s`,
      met: rate >= 20_000,
    });
  }
  return checks;
}

function renderLog(summary: readonly LogSummary[], plan: Plan): string {
  const rows = summary.map((s) => {
    const direct = find(summary, s.backend, 'direct');
    return [
      BACKEND_LABEL[s.backend],
      s.sink === 'log' ? 'event log' : 'no log (direct)',
      fmtSpread(s.fanoutPerDelivery),
      fmtSpread(s.fanoutServerPerDelivery),
      s.sink === 'log' ? fmtRatio(ratio(s.fanoutPerDelivery.median, direct?.fanoutPerDelivery.median ?? Number.NaN)) : '',
      fmtSpread(s.fanoutPerEmit),
      fmtSpread(s.userPerEmit),
      fmtSpread(s.userServerPerEmit),
      s.sink === 'log' ? fmtRatio(ratio(s.userPerEmit.median, direct?.userPerEmit.median ?? Number.NaN)) : '',
      fmtSpread(s.userPerSec),
      String(s.missing),
    ];
  });
  const table = markdownTable(
    [
      'backend',
      'path',
      'fan-out 1,000: CPU µs /delivery',
      'node only',
      '× no log',
      'CPU ms /emit',
      'fan-out 1: CPU µs /emitToUser',
      'node only',
      '× no log',
      'emitToUser events/s',
      'missing',
    ],
    rows,
  );
  const samples = plan.blocks * plan.repeats;
  return [
    table,
    '',
    `Median (min–max) over ${samples} blocks per row (${plan.blocks} alternating blocks × ${plan.repeats} node process${plan.repeats > 1 ? 'es' : ''}); ` +
      `${plan.members} clients, all members of the room; a fan-out block is ${plan.roundsPerBlock} emitToRoom rounds, an emitToUser block one burst of ` +
      `${fmt(plan.burst)} events over the ${plan.members} users (≤ ${plan.inFlight} in flight), timed from the first emit to the last delivery. ` +
      'CPU: the node plus redis-server (10 ms /proc resolution). SQLite: a temp file (WAL, synchronous=NORMAL), as DATABASE_PATH in production. ' +
      'Redis: one node + a local redis-server on the server core; without the log, emits go through the Redis adapter (PUBLISH).',
  ].join('\n');
}

function logCharts(summary: readonly LogSummary[]): Chart[] {
  const categories = BACKENDS.flatMap((backend) => [`${backend}, fan-out 1`, `${backend}, fan-out 1,000`] as const);
  const point = (sink: Sink) =>
    categories.map((category): [string, number] => {
      const [backend] = category.split(',') as [Backend];
      const s = find(summary, backend, sink);
      return [category, category.endsWith('1,000') ? (s?.fanoutPerDelivery.median ?? Number.NaN) : (s?.userPerEmit.median ?? Number.NaN)];
    });
  return [
    {
      id: 'log-cpu-per-delivery',
      title: 'Event log: CPU per delivery with and without the log',
      xLabel: 'backend, fan-out',
      yLabel: 'CPU µs / delivery (node + redis)',
      kind: 'bar',
      series: [
        { name: 'event log', points: point('log') },
        { name: 'no log (direct)', points: point('direct') },
      ],
    },
    {
      id: 'log-emit-to-user-rate',
      title: 'Event log: emitToUser throughput (one node)',
      xLabel: 'backend',
      yLabel: 'events / s until the last delivery',
      kind: 'bar',
      series: SINKS.map((sink) => ({
        name: sink === 'log' ? 'event log' : 'no log (direct)',
        points: BACKENDS.map((backend): [string, number] => [backend, find(summary, backend, sink)?.userPerSec.median ?? Number.NaN]),
      })),
      target: { y: 20_000, label: 'target ≥ 20,000/s with the log' },
    },
  ];
}

export const logPart: Part = {
  name: 'log',
  summary: "the event log's CPU on the emit path (SQLite, Redis) against a direct emit, and emitToUser throughput",
  async run(context: PartContext): Promise<PartResult> {
    const plan = planFor(context);
    const blocks: LogBlock[] = [];
    for (const name of BACKENDS) {
      const backend = await openBackend(name);
      try {
        for (let r = 0; r < plan.repeats; r++) blocks.push(...(await runTrial(context, backend, r, plan)));
      } finally {
        await backend.stop();
      }
    }
    const summary = summariseLog(blocks);
    return {
      part: 'log',
      title: 'Event log: CPU per emit and per delivery, with and without the log',
      markdown: renderLog(summary, plan),
      checks: logChecks(summary, plan),
      charts: logCharts(summary),
      data: { plan, summary, blocks },
    };
  },
};
