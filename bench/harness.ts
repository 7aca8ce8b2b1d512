/**
 * The benchmark harness: the same workload against every server, interleaved across
 * repeats, summarised as medians with the min–max spread.
 *
 * One trial = one fresh server process (core 0) + one load-generator process (core 1):
 *   1. a few warm-up connections (opened and closed), memory baseline (after GC), then
 *      connect N clients: handshakes per second;
 *   2. memory again (after GC): (delta RSS, delta heap) / N;
 *   3. fan-out: warm-up rounds, then measured rounds; each round pushes one message to all N
 *      and waits until all N arrived; latency = receipt − send (monotonic clock, in payload);
 *      server CPU over the measured rounds / deliveries;
 *   4. emitToUser: one message to each of N distinct users, deliveries per second and CPU.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, fileLimits, hasTaskset } from './lib/child';
import type { ClientCommand, ClientReply, ServerCommand, ServerReply, ServerSpec } from './lib/protocol';
import type { Check, PartContext, PartName, PartResult } from './lib/part';
import { fmt, fmtRatio, fmtSpread, markdownTable, ratio, spread, type Spread } from './lib/stats';
import { renderSvg, type Chart } from './lib/svg-chart';
import { PARTS } from './parts';
import { renderReportMarkdown } from './lib/report-markdown';

export type { Check } from './lib/part';

export const MAIN_SERVERS: ServerSpec[] = [
  { name: 'raw ws', kind: 'ws' },
  { name: 'raw Socket.IO', kind: 'sio' },
  { name: 'gateway', kind: 'gateway' },
  { name: 'tRPC ws', kind: 'trpc' },
];

/** The "cheap wins" the Socket.IO docs name, each measured on its own. */
export const VARIANT_SERVERS: ServerSpec[] = [
  { name: 'Socket.IO +polling', kind: 'sio', polling: true },
  { name: 'Socket.IO +deflate', kind: 'sio', deflate: true },
  { name: 'Socket.IO −request', kind: 'sio', dropRequest: true },
  { name: 'gateway +request', kind: 'gateway', keepRequest: true },
  { name: 'gateway broadcast()', kind: 'gateway', fanout: 'all' },
];

export interface BenchOptions {
  sizes: number[];
  repeats: number;
  warmupRounds: number;
  rounds: number;
  /** emitToUser bursts per trial (median taken). */
  userBursts: number;
  servers: ServerSpec[];
  /** Extra servers (ablations) and the sizes they run at. */
  variants: ServerSpec[];
  variantSizes: number[];
  /** Connection attempts in flight at once in the load generator. */
  concurrency: number;
  /** The parts beyond the single-node sweep (bench/parts), in PARTS order. */
  parts: PartName[];
  /** Passed to the parts (see PartContext): a fresh Next build, a CPU profile of the HTTP path. */
  rebuild?: boolean;
  profile?: boolean;
  /** Where the JSON (and, next to it, the SVG charts) go (null: not written). */
  outDir: string | null;
  mode: 'quick' | 'full' | 'smoke';
  log: (line: string) => void;
}

export interface TrialResult {
  server: string;
  kind: ServerSpec['kind'];
  n: number;
  repeat: number;
  connected: number;
  connectFailed: number;
  connectError?: string;
  connectPerSec: number;
  rssPerConnKB: number;
  heapPerConnKB: number;
  fanout: { rounds: number; deliveries: number; missing: number; p50: number; p99: number; max: number; pings: number };
  fanoutCpuPer1k: { user: number; system: number; total: number };
  emitToUser: { perSec: number; cpuPer1k: number; missing: number };
}

export interface Summary {
  server: string;
  n: number;
  connectPerSec: Spread;
  rssPerConnKB: Spread;
  heapPerConnKB: Spread;
  p50: Spread;
  p99: Spread;
  cpuPer1k: Spread;
  cpuUserPer1k: Spread;
  cpuSystemPer1k: Spread;
  userPerSec: Spread;
  userCpuPer1k: Spread;
  missing: number;
}

export interface BenchReport {
  mode: string;
  command: string;
  date: string;
  machine: Record<string, unknown>;
  options: Omit<BenchOptions, 'log' | 'outDir'>;
  trials: TrialResult[];
  summary: Summary[];
  parts: PartResult[];
  checks: Check[];
  table: string;
  /** Charts of the sweep and of every part (SVG files written next to the JSON). */
  charts: Chart[];
  /** Wall time of the whole run (every part), in seconds. */
  durationS: number;
  file: string | null;
  chartFiles: string[];
  /** The same report as Markdown (tables, targets, charts linked), written next to the JSON. */
  markdownFile: string | null;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_CORE = 0;
const CLIENT_CORE = 1;

type ServerChild = Child<ServerCommand, ServerReply>;
type ClientChild = Child<ClientCommand, ClientReply>;

function benchEnv(): Record<string, string> {
  return {
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? 'bench-only-nextauth-secret-0123456789abcdef',
    NODE_ENV: 'production',
  };
}

async function runTrial(spec: ServerSpec, n: number, repeat: number, options: BenchOptions): Promise<TrialResult> {
  const env = benchEnv();
  const server: ServerChild = Child.start({
    label: `server ${spec.name}`,
    script: 'bench/server.ts',
    env: { ...env, BENCH_SPEC: JSON.stringify(spec) },
    core: SERVER_CORE,
    cwd: ROOT,
    nodeArgs: ['--expose-gc'],
  });
  let client: ClientChild | undefined;
  try {
    const { port } = await server.waitFor('ready', undefined, 60_000);
    client = Child.start({
      label: `clients of ${spec.name}`,
      script: 'bench/client.ts',
      env: { ...env, BENCH_KIND: spec.kind, BENCH_PORT: String(port) },
      core: CLIENT_CORE,
      cwd: ROOT,
    });
    await client.waitFor('ready', undefined, 60_000);
    const c = client;

    const stats = (gc: boolean) => server.request({ type: 'stats', gc }, 'stats');
    // Warm-up connections (opened, then closed) take one-off costs (lazy module state, JIT,
    // key import) out of the per-connection figures.
    await c.request({ type: 'connect', n: Math.min(50, n), concurrency: options.concurrency }, 'connected', 60_000);
    await c.request({ type: 'disconnect' }, 'disconnected');
    await sleep(300);
    const before = await stats(true);
    const connected = await c.request({ type: 'connect', n, concurrency: options.concurrency }, 'connected', 300_000);
    await sleep(200);
    const after = await stats(true);
    const perConn = (bytes: number) => bytes / Math.max(1, connected.ok) / 1024;

    const timeoutMs = 30_000;
    const round = async (index: number, measure: boolean) => {
      const id = c.id();
      const done = c.waitFor('done', id, timeoutMs + 10_000);
      await c.request({ type: 'expect', id, count: connected.ok, measure, timeoutMs }, 'expecting');
      await server.request({ type: 'fanout', round: index }, 'sent');
      return done;
    };
    for (let i = 0; i < options.warmupRounds; i++) await round(i, false);
    await sleep(50);
    const cpu0 = await stats(false);
    let missing = 0;
    for (let i = 0; i < options.rounds; i++) {
      const done = await round(options.warmupRounds + i, true);
      missing += connected.ok - done.received;
    }
    const cpu1 = await stats(false);
    const latency = await c.request({ type: 'report' }, 'report');
    const deliveries = options.rounds * connected.ok - missing;
    const per1k = (micros: number) => (deliveries > 0 ? micros / 1000 / (deliveries / 1000) : Number.NaN);

    const userRates: number[] = [];
    const userCpu: number[] = [];
    let userMissing = 0;
    for (let b = 0; b < options.userBursts; b++) {
      await sleep(50);
      const id = c.id();
      const done = c.waitFor('done', id, timeoutMs + 10_000);
      await c.request({ type: 'expect', id, count: connected.ok, measure: false, timeoutMs }, 'expecting');
      const s0 = await stats(false);
      const sent = await server.request({ type: 'emitToUsers', count: connected.ok }, 'sent');
      const result = await done;
      const s1 = await stats(false);
      userMissing += connected.ok - result.received;
      if (result.received > 0) {
        userRates.push(result.received / ((result.lastAt - sent.startedAt) / 1000));
        userCpu.push((s1.user + s1.system - s0.user - s0.system) / 1000 / (result.received / 1000));
      }
    }

    return {
      server: spec.name,
      kind: spec.kind,
      n,
      repeat,
      connected: connected.ok,
      connectFailed: connected.failed,
      ...(connected.firstError ? { connectError: connected.firstError } : {}),
      connectPerSec: connected.ok / (connected.ms / 1000),
      rssPerConnKB: perConn(after.rss - before.rss),
      heapPerConnKB: perConn(after.heapUsed - before.heapUsed),
      fanout: {
        rounds: options.rounds,
        deliveries,
        missing,
        p50: latency.p50,
        p99: latency.p99,
        max: latency.max,
        pings: latency.pings,
      },
      fanoutCpuPer1k: {
        user: per1k(cpu1.user - cpu0.user),
        system: per1k(cpu1.system - cpu0.system),
        total: per1k(cpu1.user + cpu1.system - cpu0.user - cpu0.system),
      },
      emitToUser: { perSec: medianOf(userRates), cpuPer1k: medianOf(userCpu), missing: userMissing },
    };
  } finally {
    // The server goes first, so TIME_WAIT lands on its side, not on the client's ports.
    await server.stop();
    await client?.stop();
  }
}

function medianOf(values: number[]): number {
  return spread(values).median;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rotates the server order each repeat so no server always runs first (or last). */
function interleave<T>(items: readonly T[], repeat: number): T[] {
  const k = repeat % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export function summarise(trials: readonly TrialResult[]): Summary[] {
  const groups = new Map<string, TrialResult[]>();
  for (const trial of trials) {
    const key = `${trial.n}\u0000${trial.server}`;
    groups.set(key, [...(groups.get(key) ?? []), trial]);
  }
  return [...groups.values()].map((group) => {
    const pick = (f: (t: TrialResult) => number) => spread(group.map(f));
    return {
      server: group[0]!.server,
      n: group[0]!.n,
      connectPerSec: pick((t) => t.connectPerSec),
      rssPerConnKB: pick((t) => t.rssPerConnKB),
      heapPerConnKB: pick((t) => t.heapPerConnKB),
      p50: pick((t) => t.fanout.p50),
      p99: pick((t) => t.fanout.p99),
      cpuPer1k: pick((t) => t.fanoutCpuPer1k.total),
      cpuUserPer1k: pick((t) => t.fanoutCpuPer1k.user),
      cpuSystemPer1k: pick((t) => t.fanoutCpuPer1k.system),
      userPerSec: pick((t) => t.emitToUser.perSec),
      userCpuPer1k: pick((t) => t.emitToUser.cpuPer1k),
      missing: group.reduce((sum, t) => sum + t.fanout.missing + t.emitToUser.missing + t.connectFailed, 0),
    };
  });
}

function find(summary: readonly Summary[], server: string, n: number): Summary | undefined {
  return summary.find((s) => s.server === server && s.n === n);
}

export function renderTable(summary: readonly Summary[]): string {
  const header = [
    'N',
    'server',
    'connect /s',
    'RSS KB/conn',
    'heap KB/conn',
    'fan-out p50 ms',
    'fan-out p99 ms',
    'CPU ms /1k deliv (user+sys)',
    'CPU ×SIO',
    'CPU ×ws',
    'p50 ×SIO',
    'p50 ×ws',
    'heap Δ vs SIO KB',
    'emitToUser deliv/s',
    'emitToUser CPU ms /1k',
  ];
  const rows = summary.map((s) => {
    const sio = find(summary, 'raw Socket.IO', s.n);
    const ws = find(summary, 'raw ws', s.n);
    return [
      fmt(s.n),
      s.server + (s.missing ? ` (${s.missing} missing)` : ''),
      fmtSpread(s.connectPerSec),
      fmtSpread(s.rssPerConnKB),
      fmtSpread(s.heapPerConnKB),
      fmtSpread(s.p50),
      fmtSpread(s.p99),
      fmtSpread(s.cpuPer1k),
      fmtRatio(ratio(s.cpuPer1k.median, sio?.cpuPer1k.median ?? Number.NaN)),
      fmtRatio(ratio(s.cpuPer1k.median, ws?.cpuPer1k.median ?? Number.NaN)),
      fmtRatio(ratio(s.p50.median, sio?.p50.median ?? Number.NaN)),
      fmtRatio(ratio(s.p50.median, ws?.p50.median ?? Number.NaN)),
      sio ? (s.heapPerConnKB.median - sio.heapPerConnKB.median).toFixed(2) : '–',
      fmtSpread(s.userPerSec),
      fmtSpread(s.userCpuPer1k),
    ];
  });
  return markdownTable(header, rows);
}

/** Where the fan-out CPU goes: JavaScript (user) vs the kernel's loopback TCP work (system). */
export function renderCpuSplit(summary: readonly Summary[]): string {
  return markdownTable(
    ['N', 'server', 'fan-out CPU user ms /1k', 'fan-out CPU system ms /1k', 'user ×ws', 'system ×ws'],
    summary.map((s) => {
      const ws = find(summary, 'raw ws', s.n);
      return [
        fmt(s.n),
        s.server,
        fmtSpread(s.cpuUserPer1k),
        fmtSpread(s.cpuSystemPer1k),
        fmtRatio(ratio(s.cpuUserPer1k.median, ws?.cpuUserPer1k.median ?? Number.NaN)),
        fmtRatio(ratio(s.cpuSystemPer1k.median, ws?.cpuSystemPer1k.median ?? Number.NaN)),
      ];
    }),
  );
}

export function evaluateTargets(summary: readonly Summary[]): Check[] {
  const checks: Check[] = [];
  const sizes = [...new Set(summary.map((s) => s.n))].sort((a, b) => a - b);
  for (const n of sizes) {
    const gw = find(summary, 'gateway', n);
    const sio = find(summary, 'raw Socket.IO', n);
    const ws = find(summary, 'raw ws', n);
    const trpc = find(summary, 'tRPC ws', n);
    if (!gw) continue;
    if (sio) {
      const cpu = ratio(gw.cpuPer1k.median, sio.cpuPer1k.median);
      checks.push({ target: 'gateway/SIO CPU per delivery ≤ 1.10×', n, value: fmtRatio(cpu), met: cpu <= 1.1 });
      const p50 = ratio(gw.p50.median, sio.p50.median);
      checks.push({ target: 'gateway/SIO broadcast p50 ≤ 1.10×', n, value: fmtRatio(p50), met: p50 <= 1.1 });
      const heap = gw.heapPerConnKB.median - sio.heapPerConnKB.median;
      checks.push({ target: 'gateway − SIO heap per connection ≤ +2 KB', n, value: `${heap.toFixed(2)} KB`, met: heap <= 2 });
      const rss = gw.rssPerConnKB.median - sio.rssPerConnKB.median;
      checks.push({ target: 'gateway − SIO RSS per connection ≤ +2 KB', n, value: `${rss.toFixed(2)} KB`, met: rss <= 2 });
    }
    if (trpc) {
      const cpu = ratio(trpc.cpuPer1k.median, gw.cpuPer1k.median);
      checks.push({ target: 'tRPC/gateway CPU per delivery ≥ 3×', n, value: fmtRatio(cpu), met: cpu >= 3 });
      const heap = ratio(trpc.heapPerConnKB.median, gw.heapPerConnKB.median);
      checks.push({ target: 'tRPC/gateway heap per connection ≥ 3×', n, value: fmtRatio(heap), met: heap >= 3 });
      const rss = ratio(trpc.rssPerConnKB.median, gw.rssPerConnKB.median);
      checks.push({ target: 'tRPC/gateway RSS per connection ≥ 3×', n, value: fmtRatio(rss), met: rss >= 3 });
    }
    if (ws) {
      const cpu = ratio(gw.cpuPer1k.median, ws.cpuPer1k.median);
      checks.push({ target: 'gateway/ws CPU per delivery ≤ 2×', n, value: fmtRatio(cpu), met: cpu <= 2 });
    }
    if (n >= 10_000) {
      checks.push({ target: 'gateway broadcast p99 < 400 ms', n, value: `${fmt(gw.p99.median)} ms`, met: gw.p99.median < 400 });
    }
  }
  return checks;
}

/** Fan-out p99 and CPU per delivery against N, one line per server (only when the sweep has several sizes). */
export function sweepCharts(summary: readonly Summary[]): Chart[] {
  const sizes = new Set(summary.map((s) => s.n));
  if (sizes.size < 2) return [];
  const main = MAIN_SERVERS.map((spec) => spec.name).filter((name) => summary.some((s) => s.server === name));
  const line = (pick: (s: Summary) => Spread) =>
    main.map((name) => {
      const rows = summary.filter((s) => s.server === name).sort((a, b) => a.n - b.n);
      return { name, points: rows.map((s): [number, number] => [s.n, pick(s).median]), spread: rows.map((s): [number, number] => [pick(s).min, pick(s).max]) };
    });
  return [
    { id: 'single-fanout-p99', title: 'One node: fan-out p99 against N', xLabel: 'clients (N)', yLabel: 'p99 ms', kind: 'line', series: line((s) => s.p99) },
    {
      id: 'single-cpu-per-delivery',
      title: 'One node: server CPU per 1,000 deliveries',
      xLabel: 'clients (N)',
      yLabel: 'CPU ms / 1k deliveries',
      kind: 'line',
      series: line((s) => s.cpuPer1k),
    },
  ];
}

export function machineInfo(): Record<string, unknown> {
  const limits = fileLimits();
  return {
    nproc: cpus().length,
    coresAvailableToHarness: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    taskset: hasTaskset(),
    openFiles: { soft: limits.soft, hard: limits.hard },
    loadAvgAtStart: loadavg().map((v) => +v.toFixed(2)),
  };
}

export async function runBench(options: BenchOptions, command = 'npm run bench'): Promise<BenchReport> {
  const log = options.log;
  const startedAt = Date.now();
  const machine = machineInfo();
  const { hard } = fileLimits();
  const largest = Math.max(...options.sizes, ...(options.variants.length ? options.variantSizes : []));
  if (hard < largest + 256) {
    throw new Error(
      `The open-file hard limit is ${hard}; ${largest} clients need at least ${largest + 256} descriptors per process. ` +
        `Raise it (e.g. \`ulimit -Hn 65536\` as root, or LimitNOFILE in systemd) and rerun.`,
    );
  }
  log(
    `bench ${options.mode}: sizes ${options.sizes.join(', ')} × ${options.servers.length} servers × ${options.repeats} repeats; ` +
      `${options.warmupRounds} warm-up + ${options.rounds} measured rounds; ` +
      `nproc ${machine.nproc}, taskset ${machine.taskset ? 'yes (server core 0, clients core 1)' : 'no'}, load ${String(machine.loadAvgAtStart)}`,
  );

  const trials: TrialResult[] = [];
  const plan: { spec: ServerSpec; n: number }[][] = [];
  for (let r = 0; r < options.repeats; r++) {
    const runs: { spec: ServerSpec; n: number }[] = [];
    for (const n of options.sizes) for (const spec of interleave(options.servers, r)) runs.push({ spec, n });
    for (const n of options.variantSizes) {
      if (options.variants.length === 0) break;
      for (const spec of interleave(options.variants, r)) runs.push({ spec, n });
    }
    plan.push(runs);
  }
  for (const [r, runs] of plan.entries()) {
    for (const { spec, n } of runs) {
      const t0 = Date.now();
      const trial = await runTrial(spec, n, r, options);
      trials.push(trial);
      log(
        `  [${r + 1}/${options.repeats}] N=${n} ${spec.name.padEnd(20)} connect ${fmt(trial.connectPerSec)}/s, ` +
          `heap ${fmt(trial.heapPerConnKB)} KB/conn, p50 ${fmt(trial.fanout.p50)} ms, p99 ${fmt(trial.fanout.p99)} ms, ` +
          `CPU ${fmt(trial.fanoutCpuPer1k.total)} ms/1k, emitToUser ${fmt(trial.emitToUser.perSec)}/s` +
          `${trial.fanout.missing || trial.connectFailed ? ` MISSING ${trial.fanout.missing}, failed ${trial.connectFailed} (${trial.connectError ?? ''})` : ''}` +
          ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
  }

  const parts: PartResult[] = [];
  const context: PartContext = {
    mode: options.mode,
    repeats: options.repeats,
    root: ROOT,
    env: benchEnv(),
    concurrency: options.concurrency,
    log,
    rebuild: options.rebuild,
    profile: options.profile,
  };
  for (const part of PARTS.filter((p) => options.parts.includes(p.name))) {
    const t0 = Date.now();
    log(`\npart ${part.name}: ${part.summary}`);
    parts.push(await part.run(context));
    log(`part ${part.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const summary = summarise(trials);
  const table = renderTable(summary);
  const checks = [...evaluateTargets(summary), ...parts.flatMap((p) => p.checks)];
  const charts = [...sweepCharts(summary), ...parts.flatMap((p) => p.charts)];
  const date = new Date().toISOString();
  machine.loadAvgAtEnd = loadavg().map((v) => +v.toFixed(2));
  const { log: _log, outDir, ...kept } = options;
  const report: BenchReport = {
    mode: options.mode,
    command,
    date,
    machine,
    options: kept,
    trials,
    summary,
    parts,
    checks,
    table,
    charts,
    durationS: 0,
    file: null,
    chartFiles: [],
    markdownFile: null,
  };

  log('');
  log(table);
  log('');
  log(renderCpuSplit(summary));
  for (const part of parts) {
    log('');
    log(`## ${part.title}`);
    log('');
    log(part.markdown);
  }
  log('');
  log(
    markdownTable(
      ['target', 'N', 'value (medians)', 'met'],
      checks.map((c) => [c.target, fmt(c.n), c.value, c.met ? 'yes' : 'NO']),
    ),
  );

  report.durationS = Math.round((Date.now() - startedAt) / 1000);
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    report.file = file;
    for (const chart of charts) {
      const svg = file.replace(/\.json$/, `-${chart.id}.svg`);
      writeFileSync(svg, renderSvg(chart));
      report.chartFiles.push(svg);
    }
    report.durationS = Math.round((Date.now() - startedAt) / 1000);
    report.markdownFile = file.replace(/\.json$/, '.md');
    writeFileSync(report.markdownFile, renderReportMarkdown(report));
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`\nwrote ${file}${charts.length ? ` and ${charts.length} charts next to it` : ''}`);
  }
  return report;
}
