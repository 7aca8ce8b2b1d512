/**
 * The HTTP emit path: `notification.send` through the production server (server.ts bundled as
 * `npm run build` bundles it, Next's production build in `.next-bench`, SQLite on a temp file,
 * DEMO_USERS alice and bob), against a route handler on the same server that does nothing
 * (/api/bench-noop, on only with BENCH_NOOP_ROUTE=1), called with the same cookie and body.
 *
 * Server on core 0, load generator (bench/http-load.ts, keep-alive agent) on core 1. Each
 * repeat runs the four cells (bare / send × 1 / 50 in flight) in a rotated order, each for a
 * fixed time; medians over repeats with the min–max spread. `send` also times the delivery on
 * bob's socket (the former end-to-end part). Server CPU from /proc/<pid>/stat.
 *
 * The per-sender and per-recipient rate limits would refuse a benchmark's calls after the first
 * 20: they are raised through env (EMIT_RATE_* and RECIPIENT_RATE_* at 100,000) for the bench
 * only; their check still runs on every call.
 *
 * With a profile (full mode, or --http-profile), a second server with the inspector on is put
 * under each target's 50-in-flight load in turn and each CPU profile summarised by category
 * (bench/lib/cpu-profile.ts), per call side by side: where `send`'s time goes beyond the bare route's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port';
import type { HttpTarget, LoadCommand, LoadReply, LoadStats } from '../http-load';
import { Child, hasTaskset } from '../lib/child';
import { shortSource, summariseProfile, type ProfileSummary } from '../lib/cpu-profile';
import { connectProfiler, inspectorUrl } from '../lib/inspector-profiler';
import { bundleServer, ensureBuild } from '../lib/next-build';
import type { Check, Part, PartContext, PartResult } from '../lib/part';
import { fmt, fmtRatio, fmtSpread, markdownTable, ratio, spread, type Spread } from '../lib/stats';
import type { Chart } from '../lib/svg-chart';

const DIST_DIR = '.next-bench';
const SERVER_CORE = 0;
const CLIENT_CORE = 1;
const IN_FLIGHT = [1, 50] as const;
const TARGETS: HttpTarget[] = ['noop', 'send'];
const LABEL: Record<HttpTarget, string> = { noop: 'bare route (204)', send: 'notification.send' };

/** Seconds per cell and of warm-up, by mode. */
const TIMING = {
  smoke: { cellMs: 300, warmupMs: 300, profileMs: 500 },
  quick: { cellMs: 1200, warmupMs: 1000, profileMs: 3000 },
  full: { cellMs: 5000, warmupMs: 3000, profileMs: 8000 },
} as const;

export interface HttpCell {
  target: HttpTarget;
  inFlight: number;
  repeat: number;
  stats: LoadStats;
  /** Server CPU (user + system) per call, ms. */
  serverCpuPerCall: number;
}

export interface HttpSummaryRow {
  target: HttpTarget;
  inFlight: number;
  perSec: Spread;
  p50: Spread;
  p99: Spread;
  deliveryP50: Spread;
  deliveryP99: Spread;
  cpuPerCall: Spread;
  errors: number;
  missing: number;
}

interface AppProcess {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Server CPU time (user + system) of `pid` so far, ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** The environment of the server under test: production, with the bench's switches. */
export function serverEnv(base: Record<string, string>, port: number, databasePath: string): Record<string, string> {
  return {
    ...base,
    NODE_ENV: 'production',
    PORT: String(port),
    HOSTNAME: 'localhost',
    NEXTAUTH_URL: `http://localhost:${port}`,
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: '1',
    DEMO_USERS: 'alice:demo:user,bob:demo:user',
    DATABASE_PATH: databasePath,
    BENCH_NOOP_ROUTE: '1',
    // A benchmark is one sender at hundreds of calls a second: the limits are raised, still checked.
    EMIT_RATE_PER_SECOND: '100000',
    EMIT_RATE_BURST: '100000',
    RECIPIENT_RATE_PER_SECOND: '100000',
    RECIPIENT_RATE_BURST: '100000',
  };
}

async function startServer(context: PartContext, bundle: string, inspect: boolean): Promise<AppProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const node = [process.execPath, ...(inspect ? ['--inspect=127.0.0.1:0'] : []), bundle];
  const command = hasTaskset() ? ['taskset', '-c', String(SERVER_CORE), ...node] : node;
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: context.root,
    env: { ...process.env, ...serverEnv(context.env, port, join(dir, 'gateway.sqlite')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', () => {
      if (output.includes('> Ready on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before it was ready:\n${output}`));
    });
  });
  // A server that never got ready is not left running.
  await ready.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: `http://localhost:${port}`, pid: child.pid!, output: () => output, stop };
}

function startLoad(context: PartContext, url: string): Child<LoadCommand, LoadReply> {
  return Child.start<LoadCommand, LoadReply>({
    label: 'http load generator',
    script: 'bench/http-load.ts',
    env: { ...context.env, BENCH_APP_URL: url },
    core: CLIENT_CORE,
    cwd: context.root,
  });
}

async function measure(load: Child<LoadCommand, LoadReply>, pid: number, target: HttpTarget, inFlight: number, durationMs: number, repeat: number) {
  const cpu0 = cpuMs(pid);
  const { stats } = await load.request({ type: 'run', target, inFlight, durationMs }, 'result', durationMs + 60_000);
  return { target, inFlight, repeat, stats, serverCpuPerCall: (cpuMs(pid) - cpu0) / Math.max(1, stats.calls) } satisfies HttpCell;
}

export function summariseCells(cells: readonly HttpCell[]): HttpSummaryRow[] {
  const rows: HttpSummaryRow[] = [];
  for (const inFlight of IN_FLIGHT) {
    for (const target of TARGETS) {
      const mine = cells.filter((c) => c.target === target && c.inFlight === inFlight);
      if (mine.length === 0) continue;
      rows.push({
        target,
        inFlight,
        perSec: spread(mine.map((c) => c.stats.perSec)),
        p50: spread(mine.map((c) => c.stats.p50)),
        p99: spread(mine.map((c) => c.stats.p99)),
        deliveryP50: spread(mine.map((c) => c.stats.delivery?.p50 ?? Number.NaN)),
        deliveryP99: spread(mine.map((c) => c.stats.delivery?.p99 ?? Number.NaN)),
        cpuPerCall: spread(mine.map((c) => c.serverCpuPerCall)),
        errors: mine.reduce((sum, c) => sum + c.stats.errors, 0),
        missing: mine.reduce((sum, c) => sum + (c.stats.delivery?.missing ?? 0), 0),
      });
    }
  }
  return rows;
}

export function httpChecks(rows: readonly HttpSummaryRow[]): Check[] {
  const find = (target: HttpTarget, inFlight: number) => rows.find((r) => r.target === target && r.inFlight === inFlight);
  const checks: Check[] = [];
  const send50 = find('send', 50);
  const noop50 = find('noop', 50);
  if (send50 && noop50) {
    const share = ratio(send50.perSec.median, noop50.perSec.median);
    checks.push({ target: 'notification.send calls/s ≥ 0.7× bare route (50 in flight)', n: 50, value: fmtRatio(share), met: share >= 0.7 });
  }
  if (send50)
    checks.push({ target: 'notification.send p99 < 200 ms (50 in flight)', n: 50, value: `${fmt(send50.p99.median)} ms`, met: send50.p99.median < 200 });
  const send1 = find('send', 1);
  if (send1) {
    checks.push({
      target: 'notification.send → socket p50 < 10 ms (1 in flight)',
      n: 1,
      value: `${fmt(send1.deliveryP50.median)} ms`,
      met: send1.deliveryP50.median < 10,
    });
  }
  const lost = rows.reduce((sum, r) => sum + r.missing + r.errors, 0);
  checks.push({ target: 'no failed call, no lost delivery', n: 0, value: String(lost), met: lost === 0 });
  return checks;
}

export function httpCharts(rows: readonly HttpSummaryRow[]): Chart[] {
  const series = (pick: (row: HttpSummaryRow) => Spread) =>
    TARGETS.map((target) => {
      const mine = rows.filter((r) => r.target === target);
      return {
        name: LABEL[target],
        points: mine.map((r): [string, number] => [`${r.inFlight} in flight`, pick(r).median]),
        spread: mine.map((r): [number, number] => [pick(r).min, pick(r).max]),
      };
    });
  return [
    {
      id: 'http-calls-per-sec',
      title: 'HTTP: calls/s, bare route vs notification.send',
      xLabel: '',
      yLabel: 'calls/s',
      kind: 'bar',
      series: series((r) => r.perSec),
    },
    {
      id: 'http-p99',
      title: 'HTTP: response p99, bare route vs notification.send',
      xLabel: '',
      yLabel: 'p99 ms',
      kind: 'bar',
      series: series((r) => r.p99),
      target: { y: 200, label: 'target < 200 ms' },
    },
  ];
}

export function renderProfile(summary: ProfileSummary): string {
  const categories = markdownTable(
    ['category', 'CPU ms', 'share of busy time'],
    summary.categories.map((c) => [c.category, fmt(c.ms), Number.isFinite(c.share) ? `${(c.share * 100).toFixed(1)} %` : '–']),
  );
  const functions = markdownTable(
    ['function (self time)', 'source', 'category', 'ms'],
    summary.topFunctions.map((f) => [`\`${f.name}\``, shortSource(f.source), f.category, fmt(f.ms)]),
  );
  return `Profiled ${fmt(summary.totalMs)} ms, busy ${fmt(summary.busyMs)} ms.\n\n${categories}\n\n${functions}`;
}

export function renderHttp(rows: readonly HttpSummaryRow[]): string {
  return markdownTable(
    ['target', 'in flight', 'calls/s', 'HTTP p50 ms', 'HTTP p99 ms', '→ socket p50 ms', '→ socket p99 ms', 'server CPU ms/call', 'errors', 'lost'],
    rows.map((r) => [
      LABEL[r.target],
      String(r.inFlight),
      fmtSpread(r.perSec),
      fmtSpread(r.p50),
      fmtSpread(r.p99),
      fmtSpread(r.deliveryP50),
      fmtSpread(r.deliveryP99),
      fmtSpread(r.cpuPerCall),
      String(r.errors),
      r.target === 'send' ? String(r.missing) : '–',
    ]),
  );
}

export interface ProfiledTarget {
  target: HttpTarget;
  file: string;
  stats: LoadStats;
  summary: ProfileSummary;
}

/** Both targets at 50 in flight on one server with the inspector on, one profile each (bare route first). */
async function profileUnderLoad(context: PartContext, bundle: string, durationMs: number, warmupMs: number): Promise<ProfiledTarget[]> {
  const app = await startServer(context, bundle, true);
  const load = startLoad(context, app.url);
  try {
    const wsUrl = inspectorUrl(app.output());
    if (!wsUrl) throw new Error(`no inspector URL in the server's output:\n${app.output()}`);
    await load.waitFor('ready', undefined, 60_000);
    const profiler = await connectProfiler(wsUrl);
    const profiled: ProfiledTarget[] = [];
    try {
      for (const target of TARGETS) {
        await load.request({ type: 'run', target, inFlight: 50, durationMs: warmupMs }, 'result', warmupMs + 60_000);
        await profiler.start();
        const { stats } = await load.request({ type: 'run', target, inFlight: 50, durationMs }, 'result', durationMs + 60_000);
        const profile = await profiler.stop();
        const file = join(tmpdir(), `bench-http-${target}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        profiled.push({ target, file, stats, summary: summariseProfile(profile) });
      }
    } finally {
      profiler.close();
    }
    return profiled;
  } finally {
    await load.stop();
    await app.stop();
  }
}

/** CPU per call by category, bare route against notification.send: where send's extra time goes. */
export function renderProfileDiff(profiled: readonly ProfiledTarget[]): string {
  const noop = profiled.find((p) => p.target === 'noop');
  const send = profiled.find((p) => p.target === 'send');
  if (!noop || !send) return '';
  const perCall = (p: ProfiledTarget, category: string) => (p.summary.categories.find((c) => c.category === category)?.ms ?? 0) / Math.max(1, p.stats.calls);
  const categories = [...new Set([...send.summary.categories, ...noop.summary.categories].map((c) => c.category))].filter((c) => c !== 'idle');
  const rows = categories
    .map((category) => ({ category, noop: perCall(noop, category), send: perCall(send, category) }))
    .sort((a, b) => b.send - b.noop - (a.send - a.noop));
  const total = (p: ProfiledTarget) => p.summary.busyMs / Math.max(1, p.stats.calls);
  return markdownTable(
    ['category', 'bare route ms/call', 'notification.send ms/call', 'difference'],
    [
      ...rows.map((r) => [r.category, fmt(r.noop), fmt(r.send), fmt(r.send - r.noop)]),
      ['**busy CPU per call**', fmt(total(noop)), fmt(total(send)), fmt(total(send) - total(noop))],
    ],
  );
}

async function run(context: PartContext): Promise<PartResult> {
  const { log, mode } = context;
  const timing = TIMING[mode];
  const started = Date.now();
  const built = ensureBuild(context.root, DIST_DIR, context.rebuild ?? false, log);
  const bundle = await bundleServer(context.root, DIST_DIR);
  const measuredFrom = Date.now();

  const cells: HttpCell[] = [];
  const app = await startServer(context, bundle, false);
  const load = startLoad(context, app.url);
  try {
    await load.waitFor('ready', undefined, 60_000);
    // Warm-up: JIT, Next's lazily loaded route modules, the keep-alive connections.
    for (const target of TARGETS) await measure(load, app.pid, target, 50, timing.warmupMs, -1);
    const plan = IN_FLIGHT.flatMap((inFlight) => TARGETS.map((target) => ({ target, inFlight })));
    for (let repeat = 0; repeat < context.repeats; repeat++) {
      // Interleaved: the order rotates every repeat.
      const order = plan.map((_, i) => plan[(i + repeat) % plan.length]!);
      for (const { target, inFlight } of order) {
        const cell = await measure(load, app.pid, target, inFlight, timing.cellMs, repeat);
        cells.push(cell);
        const { stats } = cell;
        log(
          `  [${repeat + 1}/${context.repeats}] ${LABEL[target].padEnd(18)} ${String(inFlight).padStart(2)} in flight: ` +
            `${fmt(stats.perSec)} calls/s, p50 ${fmt(stats.p50)} ms, p99 ${fmt(stats.p99)} ms` +
            `${stats.delivery ? `, → socket p99 ${fmt(stats.delivery.p99)} ms` : ''}, CPU ${fmt(cell.serverCpuPerCall)} ms/call` +
            `${stats.errors ? `, ERRORS ${stats.errors} (${stats.firstError})` : ''}${stats.delivery?.missing ? `, LOST ${stats.delivery.missing}` : ''}`,
        );
      }
    }
  } finally {
    await load.stop();
    await app.stop();
  }

  const rows = summariseCells(cells);
  let profiled: ProfiledTarget[] = [];
  if (context.profile || mode === 'full') {
    log('  profiling both targets at 50 in flight (inspector on a fresh server) ...');
    profiled = await profileUnderLoad(context, bundle, timing.profileMs, timing.warmupMs);
    for (const p of profiled) log(`  ${LABEL[p.target]} profile: ${p.file} (Chrome DevTools, or: npx tsx bench/profile-summary.ts <file>)`);
  }
  const send = profiled.find((p) => p.target === 'send');
  const seconds = (Date.now() - started) / 1000;
  const markdown = [
    renderHttp(rows),
    '',
    `Server: server.ts bundled as \`npm run build\` does, Next's production build in \`${DIST_DIR}\`${built ? ' (built for this run)' : ''}, ` +
      `SQLite on a temp file, core ${SERVER_CORE}; load generator on core ${CLIENT_CORE}, keep-alive agent, ` +
      `${context.repeats} interleaved repeats of ${timing.cellMs / 1000} s per cell after ${timing.warmupMs / 1000} s of warm-up per target. ` +
      `Rate limits raised through env for the bench (EMIT_RATE_* and RECIPIENT_RATE_* = 100,000; still checked on every call). ` +
      `The bare route is /api/bench-noop (on only with BENCH_NOOP_ROUTE=1), sent the same cookie and body. ` +
      `This part took ${seconds.toFixed(0)} s (${((Date.now() - measuredFrom) / 1000).toFixed(0)} s without the build).`,
    ...(send
      ? [
          '',
          `### Where the time goes (50 in flight, under the inspector: ${profiled.map((p) => `${LABEL[p.target]} ${fmt(p.stats.perSec)} calls/s`).join(', ')})`,
          '',
          'Server CPU per call by category (self time of each sample, given to the nearest caller a rule names; bench/lib/cpu-profile.ts):',
          '',
          renderProfileDiff(profiled),
          '',
          '`notification.send` alone:',
          '',
          renderProfile(send.summary),
        ]
      : []),
  ].join('\n');
  return {
    part: 'http',
    title: 'HTTP emit path: notification.send against a bare route',
    markdown,
    checks: httpChecks(rows),
    charts: httpCharts(rows),
    data: { built, seconds, cells, rows, profiles: profiled },
  };
}

export const httpPart: Part = {
  name: 'http',
  summary: 'notification.send over HTTP vs a bare route (1 and 50 in flight), → socket delivery; profile with --full/--http-profile',
  run,
};
