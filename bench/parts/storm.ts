/**
 * Reconnect storm: N clients on node A of a two-node gateway cluster (one redis-server), events
 * streaming at a steady rate from an emitter (a worker's `createGatewayEmitter`, in this process),
 * then node A is SIGKILLed. Every client reconnects to node B with socket.io-client's default
 * backoff and resumes through the replay protocol. Measured: the time from the kill until every
 * client is connected again and has had its `gateway:sync` (caught up: replayed what it missed and
 * joined its rooms), every streamed event reaching every addressed client exactly once (lost,
 * duplicates), and node B's peak CPU and RSS (/proc every 100 ms).
 *
 * Users are in rooms of STORM_ROOM_SIZE, stored before anyone connects (the connect path joins
 * them, and announces presence to them as in production). A fifth of the stream goes to rooms,
 * the rest to single users.
 *
 * BENCH_STORM_CPU_PROF=<dir> runs node B with `--cpu-prof` (the profile is written when B exits,
 * which it does on its own once the part closes its IPC channel).
 */
import { createClient } from 'redis';
import { createGatewayEmitter, type GatewayEmitter } from 'socket-gateway/emitter';
import { events, type AppEvents } from '../../src/events';
import { Child, pinProcess } from '../lib/child';
import { startBenchCluster, CLIENT_CORE, type BenchCluster, type ClusterNode } from '../lib/bench-cluster';
import type { Check, Part, PartContext, PartResult } from '../lib/part';
import { readProcStat } from '../lib/proc-stat';
import { MESSAGE_TEXT, monoMs, userId } from '../lib/protocol';
import { fmt, fmtSpread, markdownTable, spread } from '../lib/stats';
import type { Chart } from '../lib/svg-chart';
import {
  STORM_ROOM_SIZE,
  roomEventId,
  stormRoom,
  userEventId,
  type RecoveryReport,
  type StormCommand,
  type StormReply,
  type VerifyReport,
} from '../lib/storm-protocol';

/** recoveryTimeoutMs bounds the wait for the last client (and so the part's time); verifyTimeoutMs the wait for late events. */
const PLAN = {
  full: { n: 5000, steadyMs: 2_000, recoveryTimeoutMs: 60_000, verifyTimeoutMs: 15_000 },
  quick: { n: 1000, steadyMs: 1_000, recoveryTimeoutMs: 15_000, verifyTimeoutMs: 2_000 },
  smoke: { n: 30, steadyMs: 1_000, recoveryTimeoutMs: 30_000, verifyTimeoutMs: 15_000 },
};
/** Events per second streamed through the emitter, before, during and after the storm. */
const STREAM_RATE = 25;
/** Every ROOM_EVERY-th streamed event goes to a room (the others to one user each). */
const ROOM_EVERY = 5;
const AFTER_MS = 1_000;
const SAMPLE_MS = 100;

export interface StormTrial {
  n: number;
  repeat: number;
  /** How long the stream ran before the kill. */
  steadyMs: number;
  connected: number;
  connectFailed: number;
  connectError?: string;
  /** From the kill until the last client had its CONNECT acknowledged by B / its `gateway:sync`. */
  allConnectedMs: number;
  allCaughtUpMs: number;
  recovery: RecoveryReport;
  streamed: { room: number; user: number; failed: number };
  /** Entries appended to the event log from the kill until every client caught up: the stream, plus the gateway's presence announcements. */
  logEntriesDuringRecovery: number;
  verify: VerifyReport;
  /** Node B, sampled every SAMPLE_MS from the kill to the end of the recovery. */
  b: { peakCpuPercent: number; meanCpuPercent: number; peakRssMB: number; rssBeforeMB: number };
  redisPeakCpuPercent: number;
  samples: { t: number; bCpu: number; bRssMB: number; redisCpu: number }[];
}

type StormChild = Child<StormCommand, StormReply>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Streams events at STREAM_RATE: room events to the rooms in turn, user events to the users in turn. */
function startStream(emitter: GatewayEmitter<AppEvents>, n: number) {
  const rooms = Math.ceil(n / STORM_ROOM_SIZE);
  const roomTotals = new Array<number>(rooms).fill(0);
  const userTotals = new Array<number>(n).fill(0);
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let k = 0;
  let nextRoom = 0;
  let nextUser = 0;
  const started = monoMs();
  const emitOne = () => {
    const sentAt = monoMs();
    let sending: Promise<void>;
    if (k % ROOM_EVERY === 0) {
      const room = nextRoom++ % rooms;
      const id = roomEventId(room, roomTotals[room]!);
      roomTotals[room]! += 1;
      sending = emitter.emitToRoom(stormRoom(room), 'room:message', { id, from: 'bench', message: MESSAGE_TEXT, sentAt, room: stormRoom(room) });
    } else {
      const user = nextUser++ % n;
      const id = userEventId(user, userTotals[user]!);
      userTotals[user]! += 1;
      sending = emitter.emitToUser(userId(user), 'notification', { id, from: 'bench', message: MESSAGE_TEXT, sentAt });
    }
    k += 1;
    // Redis stays up here, so no emit should be refused; one that is shows up in `failed` (and as lost).
    const tracked = sending.catch(() => void (failed += 1));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };
  // Paced on the clock, not on setInterval's drift.
  const timer = setInterval(() => {
    const due = Math.floor(((monoMs() - started) / 1000) * STREAM_RATE);
    while (k < due) emitOne();
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return { roomTotals, userTotals, room: roomTotals.reduce((a, b) => a + b, 0), user: userTotals.reduce((a, b) => a + b, 0), failed };
    },
  };
}

/** /proc samples of node B and redis-server every SAMPLE_MS. */
function startSampler(b: ClusterNode, redisPid: number) {
  const samples: StormTrial['samples'] = [];
  const t0 = monoMs();
  let last = { at: t0, b: readProcStat(b.pid), redis: readProcStat(redisPid) };
  const timer = setInterval(() => {
    const now = { at: monoMs(), b: readProcStat(b.pid), redis: readProcStat(redisPid) };
    const span = now.at - last.at;
    samples.push({
      t: Math.round(now.at - t0),
      bCpu: (100 * (now.b.cpuMs - last.b.cpuMs)) / span,
      bRssMB: now.b.rss / 2 ** 20,
      redisCpu: (100 * (now.redis.cpuMs - last.redis.cpuMs)) / span,
    });
    last = now;
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

async function runTrial(n: number, repeat: number, plan: (typeof PLAN)['full'], context: PartContext): Promise<StormTrial> {
  const cluster: BenchCluster = await startBenchCluster({
    kind: 'gateway',
    root: context.root,
    env: context.env,
    // Behind a load balancer (one trusted hop): each client has its own address, as real clients do.
    nodeEnv: { TRUST_PROXY: '1' },
    nodeArgs: (name) => (name === 'B' && process.env.BENCH_STORM_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_STORM_CPU_PROF}`] : []),
  });
  let client: StormChild | undefined;
  let emitter: GatewayEmitter<AppEvents> | undefined;
  let redis: ReturnType<typeof createClient> | undefined;
  try {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const rooms = Math.ceil(n / STORM_ROOM_SIZE);
    const seeds = Array.from({ length: rooms }, (_, r) => ({ room: stormRoom(r), from: r * STORM_ROOM_SIZE, to: Math.min(n, (r + 1) * STORM_ROOM_SIZE) }));
    await b.child.request({ type: 'seedRooms', rooms: seeds }, 'done', 120_000);

    client = Child.start<StormCommand, StormReply>({
      label: 'storm clients',
      script: 'bench/storm-client.ts',
      env: { ...context.env, BENCH_PORT: String(a.port) },
      cwd: context.root,
    });
    const c = client;
    await c.waitFor('ready', undefined, 60_000);
    if (c.process.pid) pinProcess(c.process.pid, CLIENT_CORE);
    const connected = await c.request({ type: 'connect', n, concurrency: context.concurrency }, 'connected', 300_000);
    if (connected.ok === 0) throw new Error(`storm: no client connected to node A (${connected.firstError ?? ''})`);

    emitter = await createGatewayEmitter({ events, redisUrl: cluster.redis.url, keyPrefix: 'bench:' });
    // A plain connection to count the log's entries (nothing trims it within the 2-minute retention).
    redis = createClient({ url: cluster.redis.url });
    await redis.connect();
    const logLength = () => redis!.xLen('bench:log');
    const stream = startStream(emitter, n);
    await sleep(plan.steadyMs);
    await c.request({ type: 'failover', port: b.port }, 'failedOver');
    const rssBefore = readProcStat(b.pid).rss;
    const sampler = startSampler(b, cluster.redis.pid);
    const logAtKill = await logLength();
    const killedAt = monoMs();
    a.child.process.kill('SIGKILL');
    const {
      type: _recoveryType,
      id: _recoveryId,
      ...recovery
    } = await c.request({ type: 'awaitRecovery', timeoutMs: plan.recoveryTimeoutMs }, 'recovery', plan.recoveryTimeoutMs + 10_000);
    const samples = sampler.stop();
    const logAtRecovery = await logLength();
    await sleep(AFTER_MS);
    const streamed = await stream.stop();
    const {
      type: _verifyType,
      id: _verifyId,
      ...verify
    } = await c.request(
      { type: 'verify', roomTotals: streamed.roomTotals, userTotals: streamed.userTotals, timeoutMs: plan.verifyTimeoutMs },
      'verified',
      plan.verifyTimeoutMs + 15_000,
    );
    const bCpu = samples.map((s) => s.bCpu);
    return {
      n,
      repeat,
      steadyMs: plan.steadyMs,
      connected: connected.ok,
      connectFailed: connected.failed,
      ...(connected.firstError ? { connectError: connected.firstError } : {}),
      allConnectedMs: recovery.lastConnectedAt - killedAt,
      allCaughtUpMs: recovery.timedOut ? Number.NaN : recovery.lastSyncedAt - killedAt,
      recovery,
      streamed: { room: streamed.room, user: streamed.user, failed: streamed.failed },
      logEntriesDuringRecovery: logAtRecovery - logAtKill,
      verify,
      b: {
        peakCpuPercent: Math.max(0, ...bCpu),
        meanCpuPercent: bCpu.length ? bCpu.reduce((x, y) => x + y, 0) / bCpu.length : Number.NaN,
        peakRssMB: Math.max(rssBefore, ...samples.map((s) => s.bRssMB * 2 ** 20)) / 2 ** 20,
        rssBeforeMB: rssBefore / 2 ** 20,
      },
      redisPeakCpuPercent: Math.max(0, ...samples.map((s) => s.redisCpu)),
      samples,
    };
  } finally {
    await emitter?.close().catch(() => undefined);
    await redis?.close().catch(() => undefined);
    await client?.stop();
    if (process.env.BENCH_STORM_CPU_PROF) cluster.nodes[1]?.child.process.disconnect(); // B exits on its own and writes its profile
    await sleep(process.env.BENCH_STORM_CPU_PROF ? 2_000 : 0);
    await cluster.stop();
  }
}

function stormChecks(trials: readonly StormTrial[], recoveryTimeoutMs: number): Check[] {
  const n = trials[0]?.n ?? 0;
  const caughtUp = spread(trials.map((t) => t.allCaughtUpMs));
  const late = trials.filter((t) => t.recovery.timedOut);
  const lost = trials.reduce((sum, t) => sum + t.verify.lost + t.connectFailed + (t.recovery.n - t.recovery.recovered), 0);
  const value = late.length
    ? `> ${fmt(recoveryTimeoutMs / 1000)} s (${late.map((t) => `${t.recovery.recovered}/${t.recovery.n}`).join(', ')} caught up by then)`
    : `${fmt(caughtUp.median / 1000)} s`;
  return [
    { target: 'storm: all clients back and caught up < 15 s', n, value, met: late.length === 0 && caughtUp.max < 15_000 },
    { target: 'storm: events lost = 0', n, value: String(lost), met: lost === 0 },
  ];
}

function stormCharts(trials: readonly StormTrial[]): Chart[] {
  const trial = trials[0];
  if (!trial || trial.samples.length < 2) return [];
  const every = Math.max(1, Math.ceil(trial.samples.length / 60));
  const points = trial.samples.filter((_, i) => i % every === 0);
  return [
    {
      id: 'storm-node-b-cpu',
      title: `Reconnect storm (${fmt(trial.n)} clients): node B and Redis CPU after the kill`,
      xLabel: 'ms after SIGKILL of node A',
      yLabel: '% of one core (100 ms samples)',
      kind: 'line',
      series: [
        { name: 'node B', points: points.map((s): [number, number] => [s.t, s.bCpu]) },
        { name: 'redis-server', points: points.map((s): [number, number] => [s.t, s.redisCpu]) },
      ],
    },
  ];
}

function renderStorm(trials: readonly StormTrial[]): string {
  const pick = (f: (t: StormTrial) => number) => fmtSpread(spread(trials.map(f)));
  const table = markdownTable(
    [
      'N',
      'all reconnected s',
      'all caught up s',
      'caught up (of N) by the timeout',
      'handshakes (refused)',
      'replayed',
      'resync',
      'streamed',
      'log entries during recovery',
      'lost',
      'duplicates',
      'presence events',
      'B peak CPU %',
      'B mean CPU %',
      'B RSS MB before → peak',
      'redis peak CPU %',
    ],
    [
      [
        fmt(trials[0]?.n ?? 0),
        pick((t) => t.allConnectedMs / 1000),
        pick((t) => t.allCaughtUpMs / 1000),
        trials.map((t) => `${t.recovery.recovered}/${t.recovery.n}`).join(', '),
        `${pick((t) => t.recovery.attempts)} (${pick((t) => Object.values(t.recovery.refused).reduce((x, y) => x + y, 0))})`,
        pick((t) => t.recovery.replayed),
        pick((t) => t.recovery.resyncs),
        pick((t) => t.streamed.room + t.streamed.user),
        pick((t) => t.logEntriesDuringRecovery),
        pick((t) => t.verify.lost),
        pick((t) => t.verify.duplicates),
        pick((t) => t.verify.presence),
        pick((t) => t.b.peakCpuPercent),
        pick((t) => t.b.meanCpuPercent),
        `${pick((t) => t.b.rssBeforeMB)} → ${pick((t) => t.b.peakRssMB)}`,
        pick((t) => t.redisPeakCpuPercent),
      ],
    ],
  );
  const reasons = new Map<string, number>();
  for (const t of trials) for (const [reason, count] of Object.entries(t.recovery.refused)) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
  return [
    table,
    '',
    `Two gateway nodes (\`createRealtime\` in Redis mode, TRUST_PROXY=1 with one X-Forwarded-For address per client) and one redis-server on core 0, ` +
      `the load generator and the emitter on core 1. Users are in rooms of ${STORM_ROOM_SIZE} (memberships stored before connecting); ` +
      `the emitter streams ${STREAM_RATE} events/s (1 in ${ROOM_EVERY} to a room, the rest to one user each) from ${fmt((trials[0]?.steadyMs ?? 0) / 1000)} s before the kill ` +
      `until ${AFTER_MS / 1000} s after the last client caught up. Clients reconnect to node B with socket.io-client's default backoff ` +
      `(0.5–1.5 s, then doubling to at most 5 s, ±50%) and resume with \`auth.resume\`. "Caught up" is the \`gateway:sync\` that ends a client's replay. ` +
      `Lost counts every streamed event some addressed client had not got when the part stopped waiting (a client still replaying counts as losing what it has not got yet); presence events are the gateway's own \`presence:changed\`.`,
    ...(reasons.size ? ['', `Refused handshakes: ${[...reasons].map(([reason, count]) => `${reason} ×${count}`).join(', ')}.`] : []),
  ].join('\n');
}

export const stormPart: Part = {
  name: 'storm',
  summary: 'reconnect storm: node A killed under a live stream, every client resumes on node B (time, lost, B peak CPU/RSS)',
  async run(context): Promise<PartResult> {
    const plan = PLAN[context.mode];
    const repeats = context.mode === 'full' ? context.repeats : 1;
    const trials: StormTrial[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = Date.now();
      const trial = await runTrial(plan.n, r, plan, context);
      trials.push(trial);
      context.log(
        `  [${r + 1}/${repeats}] N=${plan.n} storm: all back ${fmt(trial.allConnectedMs / 1000)} s, caught up ${fmt(trial.allCaughtUpMs / 1000)} s ` +
          `(${trial.recovery.recovered}/${trial.recovery.n}), lost ${trial.verify.lost}, duplicates ${trial.verify.duplicates}, ` +
          `replayed ${trial.recovery.replayed}, log +${trial.logEntriesDuringRecovery}, presence ${trial.verify.presence}, resyncs ${trial.recovery.resyncs}, B peak CPU ${fmt(trial.b.peakCpuPercent)}%, RSS ${fmt(trial.b.peakRssMB)} MB` +
          ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
    return {
      part: 'storm',
      title: 'Reconnect storm: a node killed, every client resumes on the other',
      markdown: renderStorm(trials),
      checks: stormChecks(trials, plan.recoveryTimeoutMs),
      charts: context.mode === 'smoke' ? [] : stormCharts(trials),
      data: { trials },
    };
  },
};
