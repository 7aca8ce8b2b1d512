/**
 * `catchup` part: a client that missed M events reconnects with its resume cursor
 * (docs/replay-protocol.md). One node composed as in production (./gateway-node.ts), SQLite or Redis;
 * one light client (./catchup-client.ts) on the load-generator core.
 *
 * Per trial, with a user of its own: connect and read `gateway:sync` (epoch, position), go away,
 * `emitToUser` M events to that user while it is gone, let the node's reader catch up, then
 * reconnect with `auth.resume`. Timed in the client from sending `40{auth}` until the M-th event
 * (and until `gateway:sync`); CPU of the node (+ redis-server) over the reconnect. Every event
 * must arrive, in order, once; `gateway:sync` must say `replayed: M`, `resync: false`.
 */
import { Child } from '../lib/child';
import type { Chart } from '../lib/svg-chart';
import type { Check, Part, PartContext, PartResult } from '../lib/part';
import { userId } from '../lib/protocol';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/stats';
import type { CatchupCommand, CatchupReply, ResumeResult } from './catchup-client';
import { BACKEND_LABEL, CLIENT_CORE, cpuBetween, openBackend, sampleCpu, sleep, startNode, stopNode, type Backend, type BackendHandle } from './node-trial';

type ClientChild = Child<CatchupCommand, CatchupReply>;

interface Plan {
  missed: number[];
  repeats: number;
  /** Unmeasured catch-ups of the smallest size first, per node. */
  warmups: number;
  backends: Backend[];
}

const PLANS: Record<PartContext['mode'], Omit<Plan, 'repeats'> & { repeats?: number }> = {
  smoke: { missed: [20, 150], repeats: 1, warmups: 0, backends: ['sqlite', 'redis'] },
  quick: { missed: [1_000, 10_000], repeats: 2, warmups: 2, backends: ['sqlite', 'redis'] },
  full: { missed: [1_000, 2_500, 5_000, 10_000, 20_000], warmups: 3, backends: ['sqlite', 'redis'] },
};

const TARGET_MS = 500;
const TIMEOUT_MS = 30_000;
/** Catch-up users are numbered from here (the log part's are u0…u999). */
const FIRST_USER = 100_000;

export interface CatchupTrial extends ResumeResult {
  backend: Backend;
  missed: number;
  repeat: number;
  serverMs: number;
  redisMs: number;
  /** All M arrived in order, once, and gateway:sync said replayed M without resync. */
  complete: boolean;
}

export interface CatchupSummary {
  backend: Backend;
  missed: number;
  lastEventMs: Spread;
  syncMs: Spread;
  cpuMs: Spread;
  cpuUsPerEvent: Spread;
  trials: number;
  incomplete: number;
}

async function runBackend(context: PartContext, backend: BackendHandle, plan: Plan): Promise<CatchupTrial[]> {
  const { node, port } = await startNode(context, backend, `catchup-${backend.backend}`, 0);
  let client: ClientChild | undefined;
  const trials: CatchupTrial[] = [];
  try {
    client = Child.start<CatchupCommand, CatchupReply>({
      label: 'catch-up client',
      script: 'bench/parts/catchup-client.ts',
      env: { ...context.env, BENCH_PORT: String(port) },
      core: CLIENT_CORE,
      cwd: context.root,
    });
    await client.waitFor('ready', undefined, 60_000);
    const c = client;
    let index = 0;
    /** One catch-up of `missed` events by a fresh user: what the client measured, and the CPU it took. */
    const catchUp = async (missed: number) => {
      const offset = FIRST_USER + index++;
      const user = userId(offset);
      const cursor = await c.request({ type: 'first', user }, 'first', 30_000);
      await sleep(50); // the node sees the socket go
      const sent = await node.request({ type: 'emitToUsers', sink: 'log', count: missed, users: 1, offset, inFlight: 1_000 }, 'sent', 120_000);
      if (sent.failed) throw new Error(`catchup part: ${sent.failed} of ${missed} emits were rejected: ${sent.error}`);
      // The SQLite reader has delivered (to nobody) before the appends resolve; the Redis one tails the stream.
      if (backend.backend === 'redis') await sleep(Math.min(1_000, 100 + missed / 50));
      const before = await sampleCpu(node, backend);
      const result = await c.request(
        { type: 'resume', user, expected: missed, epoch: cursor.epoch, position: cursor.position, socketId: cursor.socketId, timeoutMs: TIMEOUT_MS },
        'resumed',
        TIMEOUT_MS + 10_000,
      );
      return { result, cpu: cpuBetween(before, await sampleCpu(node, backend)) };
    };
    // Unmeasured: JIT, lazy state and the first reads of the log are not part of a catch-up.
    for (let w = 0; w < plan.warmups; w++) await catchUp(plan.missed[0]!);
    for (let r = 0; r < plan.repeats; r++) {
      // Sizes alternate direction each repeat, so neither size always runs on a fresher node.
      for (const missed of r % 2 === 0 ? plan.missed : [...plan.missed].reverse()) {
        const { result, cpu } = await catchUp(missed);
        const { type: _type, id: _id, ...measured } = result;
        const complete =
          !result.error && result.received === missed && result.outOfOrder === 0 && result.sync?.replayed === missed && result.sync.resync === false;
        trials.push({ backend: backend.backend, missed, repeat: r, serverMs: cpu.server, redisMs: cpu.redis, complete, ...measured });
        context.log(
          `  [${r + 1}/${plan.repeats}] ${backend.backend} missed ${fmt(missed)}: all in ${fmt(result.lastEventMs)} ms, sync ${fmt(result.syncMs)} ms, ` +
            `CPU ${fmt(cpu.server + cpu.redis)} ms` +
            (complete
              ? ''
              : ` INCOMPLETE: ${result.received} received, ${result.outOfOrder} out of order, sync ${JSON.stringify(result.sync)} ${result.error ?? ''}`),
        );
      }
    }
    return trials;
  } finally {
    await stopNode(node);
    await client?.stop();
  }
}

export function summariseCatchup(trials: readonly CatchupTrial[]): CatchupSummary[] {
  const keys = [...new Set(trials.map((t) => `${t.backend}\u0000${t.missed}`))];
  return keys.map((key) => {
    const group = trials.filter((t) => `${t.backend}\u0000${t.missed}` === key);
    const { backend, missed } = group[0]!;
    const pick = (f: (t: CatchupTrial) => number) => spread(group.map(f));
    return {
      backend,
      missed,
      lastEventMs: pick((t) => t.lastEventMs),
      syncMs: pick((t) => t.syncMs),
      cpuMs: pick((t) => t.serverMs + t.redisMs),
      cpuUsPerEvent: pick((t) => ((t.serverMs + t.redisMs) * 1000) / t.missed),
      trials: group.length,
      incomplete: group.filter((t) => !t.complete).length,
    };
  });
}

export function catchupChecks(summary: readonly CatchupSummary[]): Check[] {
  const checks: Check[] = [];
  for (const s of summary) {
    checks.push({
      target: `${BACKEND_LABEL[s.backend]}: catch-up delivers every missed event, in order, once`,
      n: s.missed,
      value: `${s.trials - s.incomplete}/${s.trials} trials complete`,
      met: s.incomplete === 0,
    });
    if (s.missed === 10_000) {
      checks.push({
        target: `${BACKEND_LABEL[s.backend]}: 10,000 missed events replayed in < ${TARGET_MS} ms`,
        n: s.missed,
        value: `${fmt(s.lastEventMs.median)} ms`,
        met: s.lastEventMs.median < TARGET_MS,
      });
    }
  }
  return checks;
}

function renderCatchup(summary: readonly CatchupSummary[], plan: Plan): string {
  const table = markdownTable(
    ['backend', 'missed events', 'handshake sent → last event ms', '→ gateway:sync ms', 'node (+ redis) CPU ms', 'CPU µs /event', 'trials', 'incomplete'],
    summary.map((s) => [
      BACKEND_LABEL[s.backend],
      fmt(s.missed),
      fmtSpread(s.lastEventMs),
      fmtSpread(s.syncMs),
      fmtSpread(s.cpuMs),
      fmtSpread(s.cpuUsPerEvent),
      String(s.trials),
      String(s.incomplete),
    ]),
  );
  return [
    table,
    '',
    `Median (min–max) over ${plan.repeats} trial${plan.repeats > 1 ? 's' : ''} per row, one node process per backend, a fresh user per trial. ` +
      'The time runs from the client sending `40{token, resume}` (token verification, membership, replay from the log, `gateway:sync`) ' +
      'until the last missed event arrived; CPU is the node (+ redis-server) over the reconnect. ' +
      'Every delivery is checked in the client: payload index and position in order, none missing or twice.',
  ].join('\n');
}

function catchupCharts(summary: readonly CatchupSummary[], plan: Plan): Chart[] {
  return [
    {
      id: 'catchup-time',
      title: 'Catch-up: reconnect to last missed event',
      xLabel: 'missed events',
      yLabel: 'ms from 40{auth} to the last event',
      kind: 'line',
      series: plan.backends.map((backend) => {
        const rows = summary.filter((s) => s.backend === backend).sort((a, b) => a.missed - b.missed);
        return {
          name: BACKEND_LABEL[backend],
          points: rows.map((s): [number, number] => [s.missed, s.lastEventMs.median]),
          spread: rows.map((s): [number, number] => [s.lastEventMs.min, s.lastEventMs.max]),
        };
      }),
      target: { y: TARGET_MS, label: `target: 10,000 in < ${TARGET_MS} ms` },
    },
  ];
}

export const catchupPart: Part = {
  name: 'catchup',
  summary: 'a client that missed 1,000 / 10,000 events reconnects with its resume cursor: time to all of them, server CPU (SQLite, Redis)',
  async run(context: PartContext): Promise<PartResult> {
    const base = PLANS[context.mode];
    const plan: Plan = { ...base, repeats: base.repeats ?? context.repeats };
    const trials: CatchupTrial[] = [];
    for (const name of plan.backends) {
      const backend = await openBackend(name);
      try {
        trials.push(...(await runBackend(context, backend, plan)));
      } finally {
        await backend.stop();
      }
    }
    const summary = summariseCatchup(trials);
    return {
      part: 'catchup',
      title: 'Catch-up: replaying what a reconnecting client missed',
      markdown: renderCatchup(summary, plan),
      checks: catchupChecks(summary),
      charts: catchupCharts(summary, plan),
      data: { plan, summary, trials },
    };
  },
};
