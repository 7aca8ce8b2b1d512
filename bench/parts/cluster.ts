/**
 * Cluster fan-out: two server nodes and one redis-server on the servers' core, the clients split
 * evenly across the nodes (load generator on the other core), and a broadcast to a room holding
 * every client pushed on ONE node.
 *
 * - gateway: the composition server.ts runs in Redis mode (bench/cluster-node.ts): the emit is
 *   appended to the Redis event log and each node's reader delivers it to its own sockets.
 * - Socket.IO + redis-adapter: `io.to(room).emit` delivers locally and publishes to the other node.
 *
 * CPU per 1,000 deliveries counts both nodes AND redis-server (/proc/<pid>/stat). For each N, both
 * clusters (and a load generator each) start once and serve every repeat, the servers taking turns:
 * a node loads in about 2 s of CPU, which 3 repeats × 2 servers of fresh processes would spend
 * again and again (quick mode has 30 s). A trial connects its clients, puts them in the room,
 * measures, takes them out of the room and disconnects them; the next starts on an idle cluster.
 */
import { join } from 'node:path';
import { Child, pinProcess } from '../lib/child';
import { startBenchCluster, CLIENT_CORE, type BenchCluster, type ClusterNode } from '../lib/bench-cluster';
import type { ClusterNodeKind } from '../lib/cluster-protocol';
import type { Check, Part, PartContext, PartResult } from '../lib/part';
import { BENCH_ROOM, type ClientCommand, type ClientReply } from '../lib/protocol';
import { fmt, fmtRatio, fmtSpread, markdownTable, ratio, spread, type Spread } from '../lib/stats';
import type { Chart } from '../lib/svg-chart';

const SERVERS: { name: string; kind: ClusterNodeKind }[] = [
  { name: 'gateway ×2', kind: 'gateway' },
  { name: 'Socket.IO + redis-adapter ×2', kind: 'sio' },
];
const GATEWAY = SERVERS[0]!.name;
const SIO = SERVERS[1]!.name;

const PLAN = {
  full: { sizes: [1000, 5000, 10_000], warmup: 5, rounds: 30, userBursts: 2, settleMs: 6_000 },
  quick: { sizes: [1000], warmup: 2, rounds: 15, userBursts: 1, settleMs: 0 },
  smoke: { sizes: [20], warmup: 1, rounds: 3, userBursts: 1, settleMs: 0 },
};

export interface ClusterTrial {
  server: string;
  kind: ClusterNodeKind;
  n: number;
  repeat: number;
  connected: number;
  connectFailed: number;
  connectError?: string;
  /** How long putting every client into the bench room took (gateway: `gateway.enterRoom` per user). */
  enterRoomMs: number;
  /** others: frames that were not the bench's payloads (the server's own events) received during the measured rounds. */
  fanout: { rounds: number; deliveries: number; missing: number; p50: number; p99: number; max: number; others: number };
  /** CPU ms per 1,000 fan-out deliveries: both nodes and redis-server, and each apart. */
  fanoutCpuPer1k: { total: number; nodeA: number; nodeB: number; redis: number };
  emitToUser: { perSec: number; cpuPer1k: number; missing: number };
  /** Gateway emits refused by the event log during the trial (counted as missing deliveries too). */
  emitFailures: number;
}

export interface ClusterSummary {
  server: string;
  n: number;
  p50: Spread;
  p99: Spread;
  cpuPer1k: Spread;
  redisPer1k: Spread;
  userPerSec: Spread;
  userCpuPer1k: Spread;
  missing: number;
}

type ClientChild = Child<ClientCommand, ClientReply>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One cluster and its load generator, kept across the repeats of one N (see the part's note). */
interface Setup {
  server: (typeof SERVERS)[number];
  cluster: BenchCluster;
  client: ClientChild;
}

async function openSetup(server: (typeof SERVERS)[number], context: PartContext): Promise<Setup> {
  const cluster = await startBenchCluster({ kind: server.kind, root: context.root, env: context.env });
  try {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const client = Child.start<ClientCommand, ClientReply>({
      label: `clients of ${server.name}`,
      script: 'bench/client.ts',
      env: { ...context.env, BENCH_KIND: server.kind, BENCH_PORTS: `${a.port},${b.port}` },
      cwd: context.root,
    });
    const { pid } = client.process;
    await client.waitFor('ready', undefined, 60_000);
    if (pid) pinProcess(pid, CLIENT_CORE);
    return { server, cluster, client };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function closeSetup(setup: Setup): Promise<void> {
  await setup.client.stop();
  await setup.cluster.stop();
}

async function runTrial(setup: Setup, n: number, repeat: number, plan: (typeof PLAN)['full'], context: PartContext): Promise<ClusterTrial> {
  const { server, cluster, client: c } = setup;
  const [a] = cluster.nodes as [ClusterNode, ClusterNode];
  const failures = async () => (await a.child.request({ type: 'stats' }, 'stats')).emitFailures;
  const failuresBefore = await failures();
  const connected = await c.request({ type: 'connect', n, concurrency: context.concurrency }, 'connected', 300_000);
  const entered = await a.child.request({ type: 'enterRoom', n, room: BENCH_ROOM }, 'done', 300_000);
  const setUpAt = Date.now();
  try {
    const round = async (index: number, measure: boolean, timeoutMs = 30_000) => {
      const id = c.id();
      const done = c.waitFor('done', id, timeoutMs + 10_000);
      await c.request({ type: 'expect', id, count: connected.ok, measure, timeoutMs }, 'expecting');
      await a.child.request({ type: 'fanout', round: index }, 'sent');
      return done;
    };
    // The joins of sockets on node B travel through the adapter: warm up until a round reaches everyone.
    for (let i = 0, settled = 0; settled < plan.warmup; i++) {
      const done = await round(i, false, 5_000);
      if (!done.timedOut) settled += 1;
      else if (i >= plan.warmup + 5) throw new Error(`${server.name}: fan-out never reached all ${connected.ok} clients (${done.received})`);
    }
    // The measured rounds start `settleMs` after the set-up, for both servers alike: node-redis
    // arms a 5 s timer per command, and those of the gateway's 10,000 enterRoom calls fired inside
    // the rounds (a DOMException each: ~3 % of the nodes' CPU there, counted as delivery CPU).
    // The wait also keeps both windows clear of Engine.IO's first pings, 25 s after each connect.
    // @see https://github.com/redis/node-redis/blob/master/docs/command-options.md (timeout, default 5000)
    await sleep(Math.max(50, setUpAt + plan.settleMs - Date.now()));
    // BENCH_CLUSTER_PROFILE=<dir>: a CPU profile of each node over the measured rounds only.
    const profileDir = process.env.BENCH_CLUSTER_PROFILE;
    if (profileDir) await Promise.all(cluster.nodes.map((node) => node.child.request({ type: 'profileStart' }, 'done')));
    const cpu0 = await cluster.cpu();
    let missing = 0;
    for (let i = 0; i < plan.rounds; i++) missing += connected.ok - (await round(1000 + i, true)).received;
    const cpu1 = await cluster.cpu();
    if (profileDir) {
      await Promise.all(
        cluster.nodes.map((node, i) =>
          node.child.request({ type: 'profileStop', file: join(profileDir, `${server.kind}-${n}-r${repeat}-node${i}.cpuprofile`) }, 'done'),
        ),
      );
    }
    const latency = await c.request({ type: 'report' }, 'report');
    const deliveries = plan.rounds * connected.ok - missing;
    const per1k = (ms: number) => (deliveries > 0 ? ms / (deliveries / 1000) : Number.NaN);
    const nodeMs = (i: number) => cpu1.nodes[i]! - cpu0.nodes[i]!;
    const redisMs = cpu1.redis - cpu0.redis;

    const userRates: number[] = [];
    const userCpu: number[] = [];
    let userMissing = 0;
    for (let burst = 0; burst < plan.userBursts; burst++) {
      await sleep(50);
      const id = c.id();
      const done = c.waitFor('done', id, 40_000);
      await c.request({ type: 'expect', id, count: connected.ok, measure: false, timeoutMs: 30_000 }, 'expecting');
      const s0 = await cluster.cpu();
      const sent = await a.child.request({ type: 'emitToUsers', count: connected.ok }, 'sent');
      const result = await done;
      const s1 = await cluster.cpu();
      userMissing += connected.ok - result.received;
      if (result.received > 0) {
        const ms = s1.nodes.reduce((sum, v, i) => sum + v - s0.nodes[i]!, 0) + s1.redis - s0.redis;
        userRates.push(result.received / ((result.lastAt - sent.startedAt) / 1000));
        userCpu.push(ms / (result.received / 1000));
      }
    }
    return {
      server: server.name,
      kind: server.kind,
      n,
      repeat,
      connected: connected.ok,
      connectFailed: connected.failed,
      ...(connected.firstError ? { connectError: connected.firstError } : {}),
      enterRoomMs: entered.ms,
      fanout: { rounds: plan.rounds, deliveries, missing, p50: latency.p50, p99: latency.p99, max: latency.max, others: latency.others },
      fanoutCpuPer1k: { total: per1k(nodeMs(0) + nodeMs(1) + redisMs), nodeA: per1k(nodeMs(0)), nodeB: per1k(nodeMs(1)), redis: per1k(redisMs) },
      emitToUser: { perSec: spread(userRates).median, cpuPer1k: spread(userCpu).median, missing: userMissing },
      emitFailures: (await failures()) - failuresBefore,
    };
  } finally {
    // Out of the room first (its members would otherwise be told of every disconnect), then every
    // client goes, and the next trial starts on an idle cluster.
    await a.child.request({ type: 'exitRoom', n, room: BENCH_ROOM }, 'done', 300_000);
    await c.request({ type: 'disconnect' }, 'disconnected');
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
      const stats = await Promise.all(cluster.nodes.map((node) => node.child.request({ type: 'stats' }, 'stats')));
      if (stats.every((s) => s.connections === 0)) break;
    }
    await sleep(300);
  }
}

export function summariseCluster(trials: readonly ClusterTrial[]): ClusterSummary[] {
  const groups = new Map<string, ClusterTrial[]>();
  for (const trial of trials) groups.set(`${trial.n}\u0000${trial.server}`, [...(groups.get(`${trial.n}\u0000${trial.server}`) ?? []), trial]);
  return [...groups.values()].map((group) => {
    const pick = (f: (t: ClusterTrial) => number) => spread(group.map(f));
    return {
      server: group[0]!.server,
      n: group[0]!.n,
      p50: pick((t) => t.fanout.p50),
      p99: pick((t) => t.fanout.p99),
      cpuPer1k: pick((t) => t.fanoutCpuPer1k.total),
      redisPer1k: pick((t) => t.fanoutCpuPer1k.redis),
      userPerSec: pick((t) => t.emitToUser.perSec),
      userCpuPer1k: pick((t) => t.emitToUser.cpuPer1k),
      missing: group.reduce((sum, t) => sum + t.fanout.missing + t.emitToUser.missing + t.connectFailed, 0),
    };
  });
}

function clusterChecks(summary: readonly ClusterSummary[]): Check[] {
  const checks: Check[] = [];
  for (const n of [...new Set(summary.map((s) => s.n))].sort((x, y) => x - y)) {
    const gw = summary.find((s) => s.server === GATEWAY && s.n === n);
    const sio = summary.find((s) => s.server === SIO && s.n === n);
    if (!gw) continue;
    if (sio) {
      const cpu = ratio(gw.cpuPer1k.median, sio.cpuPer1k.median);
      checks.push({ target: 'cluster: gateway/SIO+redis-adapter CPU per delivery ≤ 1.15×', n, value: fmtRatio(cpu), met: cpu <= 1.15 });
      const p50 = ratio(gw.p50.median, sio.p50.median);
      checks.push({ target: 'cluster: gateway/SIO+redis-adapter fan-out p50 ≤ 1.15×', n, value: fmtRatio(p50), met: p50 <= 1.15 });
    }
    if (n >= 10_000) {
      checks.push({ target: 'cluster: gateway broadcast p99 < 250 ms (2 nodes)', n, value: `${fmt(gw.p99.median)} ms`, met: gw.p99.median < 250 });
    }
    checks.push({ target: 'cluster: gateway lost deliveries = 0', n, value: String(gw.missing), met: gw.missing === 0 });
  }
  return checks;
}

function clusterCharts(summary: readonly ClusterSummary[]): Chart[] {
  const line = (pick: (s: ClusterSummary) => Spread) =>
    SERVERS.map(({ name }) => {
      const rows = summary.filter((s) => s.server === name).sort((x, y) => x.n - y.n);
      return { name, points: rows.map((s): [number, number] => [s.n, pick(s).median]), spread: rows.map((s): [number, number] => [pick(s).min, pick(s).max]) };
    });
  return [
    {
      id: 'cluster-fanout-p99',
      title: 'Two nodes + Redis: fan-out p99 against N',
      xLabel: 'clients (N, half on each node)',
      yLabel: 'p99 ms',
      kind: 'line',
      series: line((s) => s.p99),
      target: { y: 250, label: 'target at 10,000: 250 ms' },
    },
    {
      id: 'cluster-cpu-per-delivery',
      title: 'Two nodes + Redis: CPU per 1,000 deliveries',
      xLabel: 'clients (N, half on each node)',
      yLabel: 'CPU ms / 1k deliveries (nodes + redis)',
      kind: 'line',
      series: line((s) => s.cpuPer1k),
    },
  ];
}

function renderCluster(summary: readonly ClusterSummary[], trials: readonly ClusterTrial[]): string {
  const table = markdownTable(
    [
      'N',
      'server',
      'fan-out p50 ms',
      'fan-out p99 ms',
      'CPU ms /1k deliv (2 nodes + redis)',
      'of which redis',
      'CPU ×SIO',
      'p50 ×SIO',
      'emitToUser deliv/s',
      'emitToUser CPU ms /1k',
    ],
    summary.map((s) => {
      const sio = summary.find((x) => x.server === SIO && x.n === s.n);
      return [
        fmt(s.n),
        s.server + (s.missing ? ` (${s.missing} missing)` : ''),
        fmtSpread(s.p50),
        fmtSpread(s.p99),
        fmtSpread(s.cpuPer1k),
        fmtSpread(s.redisPer1k),
        fmtRatio(ratio(s.cpuPer1k.median, sio?.cpuPer1k.median ?? Number.NaN)),
        fmtRatio(ratio(s.p50.median, sio?.p50.median ?? Number.NaN)),
        fmtSpread(s.userPerSec),
        fmtSpread(s.userCpuPer1k),
      ];
    }),
  );
  const enter = trials.filter((t) => t.kind === 'gateway');
  return [
    table,
    '',
    'Two nodes and one redis-server share core 0 (so the CPU column is the cluster’s, and a node never borrows a core the other one needs); ' +
      'the load generator and the part run on core 1. Clients alternate between the nodes; the broadcast is pushed on node A. ' +
      'Gateway nodes are `createRealtime(httpServer, env)` with the settings parsed from REDIS_URL (Redis stores, Redis event log, redis-adapter), ' +
      'no Next handler. Every client joins the bench room after connecting through `gateway.enterRoom` (stored membership + open sockets, the `room.join` path)' +
      (enter.length ? ` (${fmt(spread(enter.map((t) => t.enterRoomMs / t.n)).median)} ms per user, in batches of 200)` : '') +
      '. Storing the memberships before connecting instead would make each connect announce `presence:changed` to a room of up to N members: N²/2 deliveries ' +
      '(50 million at N = 10,000) before the first measured round.',
  ].join('\n');
}

export const clusterPart: Part = {
  name: 'cluster',
  summary: '2 nodes + Redis: gateway vs Socket.IO + redis-adapter fan-out, CPU per delivery (nodes + redis)',
  async run(context): Promise<PartResult> {
    const plan = PLAN[context.mode];
    // Quick mode (npm run bench) has 30 s for this part: at most 2 repeats there.
    const repeats = context.mode === 'smoke' ? 1 : context.mode === 'quick' ? Math.min(2, context.repeats) : context.repeats;
    const trials: ClusterTrial[] = [];
    // BENCH_CLUSTER_SIZES=10000 (a comma list) runs only those sizes, e.g. to look into one of them.
    const sizes = process.env.BENCH_CLUSTER_SIZES ? process.env.BENCH_CLUSTER_SIZES.split(',').map(Number) : plan.sizes;
    for (const n of sizes) {
      // Both clusters start together (their start-up may use both cores), then idle in turn.
      const setups = await Promise.all(SERVERS.map((server) => openSetup(server, context)));
      try {
        for (let r = 0; r < repeats; r++) {
          // Alternate which server goes first, so neither always runs on a cold (or warm) machine.
          for (const setup of r % 2 ? [...setups].reverse() : setups) {
            const t0 = Date.now();
            const trial = await runTrial(setup, n, r, plan, context);
            trials.push(trial);
            context.log(
              `  [${r + 1}/${repeats}] N=${n} ${setup.server.name.padEnd(30)} p50 ${fmt(trial.fanout.p50)} ms, p99 ${fmt(trial.fanout.p99)} ms, ` +
                `CPU ${fmt(trial.fanoutCpuPer1k.total)} ms/1k (redis ${fmt(trial.fanoutCpuPer1k.redis)}), emitToUser ${fmt(trial.emitToUser.perSec)}/s` +
                `${trial.fanout.missing || trial.connectFailed || trial.emitToUser.missing ? ` MISSING ${trial.fanout.missing}+${trial.emitToUser.missing}, failed ${trial.connectFailed} (${trial.connectError ?? ''}), emits refused ${trial.emitFailures}` : ''}` +
                `${trial.fanout.others ? `, ${trial.fanout.others} other frames during the rounds` : ''}` +
                ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
            );
          }
        }
      } finally {
        await Promise.all(setups.map(closeSetup));
      }
    }
    const summary = summariseCluster(trials);
    return {
      part: 'cluster',
      title: 'Cluster: two nodes and Redis',
      markdown: renderCluster(summary, trials),
      checks: clusterChecks(summary),
      charts: new Set(summary.map((s) => s.n)).size > 1 ? clusterCharts(summary) : [],
      data: { trials, summary },
    };
  },
};
