/**
 * Where the heap per connection goes: for each server (bench/server.ts, the same processes the
 * one-node sweep runs), a heap snapshot with no client connected and one with N connected, and
 * the bytes that are new in the second, per connection, grouped by what holds them
 * (bench/lib/heap-snapshot.ts). With both 'sio' and 'gateway', a third table puts the two side by
 * side: the rows with a difference are what the gateway keeps per socket beyond raw Socket.IO.
 *
 *   npx tsx bench/heap-breakdown.ts [--n 2000] [--servers sio,gateway] [--top 40] [--min 1] [--keep] [--from <dir>] [--json <file>]
 *
 * Snapshots go to a temporary directory (kept with --keep, its path printed); --from reads the
 * ones a --keep run left there (same --n) instead of starting servers. --json writes every label's
 * exact bytes per connection per server (for grouping them further). Parsing one of
 * 2,000 connections takes a few hundred MB; for more, run with NODE_OPTIONS=--max-old-space-size=4096.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Child } from './lib/child';
import { diffSnapshots, readSnapshot, type Grouped } from './lib/heap-snapshot';
import type { ClientCommand, ClientReply, ServerCommand, ServerKind, ServerReply } from './lib/protocol';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    servers: { type: 'string', default: 'sio,gateway' },
    top: { type: 'string', default: '40' },
    min: { type: 'string', default: '1' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    from: { type: 'string' },
  },
});
const n = Number(values.n);
const top = Number(values.top);
/** Rows of the side-by-side table differ by at least this many bytes per connection. */
const minDiff = Number(values.min);
const kinds = values.servers.split(',') as ServerKind[];
const dir = values.from ?? mkdtempSync(join(tmpdir(), 'heap-breakdown-'));
const env = { NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? 'bench-only-nextauth-secret-0123456789abcdef', NODE_ENV: 'production' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Breakdown {
  kind: ServerKind;
  connected: number;
  heapUsedPerConn: number;
  grouped: Grouped;
}

async function measure(kind: ServerKind): Promise<Breakdown> {
  if (values.from) {
    const grouped = diffSnapshots(readSnapshot(join(dir, `${kind}-0.heapsnapshot`)), readSnapshot(join(dir, `${kind}-${n}.heapsnapshot`)));
    return { kind, connected: n, heapUsedPerConn: Number.NaN, grouped };
  }
  const server = Child.start<ServerCommand, ServerReply>({
    label: `server ${kind}`,
    script: 'bench/server.ts',
    env: { ...env, BENCH_SPEC: JSON.stringify({ name: kind, kind }) },
    cwd: ROOT,
    nodeArgs: ['--expose-gc'],
  });
  let client: Child<ClientCommand, ClientReply> | undefined;
  try {
    const { port } = await server.waitFor('ready', undefined, 60_000);
    client = Child.start<ClientCommand, ClientReply>({
      label: `clients of ${kind}`,
      script: 'bench/client.ts',
      env: { ...env, BENCH_KIND: kind, BENCH_PORT: String(port) },
      cwd: ROOT,
    });
    await client.waitFor('ready', undefined, 60_000);
    // As the sweep does: warm-up connections take one-off costs (lazy state, JIT) out of the figures.
    await client.request({ type: 'connect', n: Math.min(50, n), concurrency: 200 }, 'connected', 60_000);
    await client.request({ type: 'disconnect' }, 'disconnected');
    await sleep(300);
    const stats0 = await server.request({ type: 'stats', gc: true }, 'stats');
    const before = await server.request({ type: 'snapshot', path: join(dir, `${kind}-0.heapsnapshot`) }, 'snapshot', 300_000);
    const connected = await client.request({ type: 'connect', n, concurrency: 200 }, 'connected', 300_000);
    if (connected.failed > 0) throw new Error(`${kind}: ${connected.failed} connections failed (${connected.firstError})`);
    await sleep(200);
    const stats1 = await server.request({ type: 'stats', gc: true }, 'stats');
    const after = await server.request({ type: 'snapshot', path: join(dir, `${kind}-${n}.heapsnapshot`) }, 'snapshot', 300_000);
    await server.stop();
    const grouped = diffSnapshots(readSnapshot(before.path), readSnapshot(after.path));
    return { kind, connected: connected.ok, heapUsedPerConn: (stats1.heapUsed - stats0.heapUsed) / connected.ok, grouped };
  } finally {
    await server.stop();
    await client?.stop();
  }
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const num = (value: number) => value.toFixed(value !== 0 && Math.abs(value) < 10 ? 1 : 0);

/** The JS heap's bytes (what `heapUsed` counts): native backing stores (ArrayBuffer data, wasm memory) are outside it. */
function total(grouped: Grouped): number {
  let bytes = 0;
  for (const [label, group] of grouped) if (!label.startsWith('(native)')) bytes += group.bytes;
  return bytes;
}

function printOne(b: Breakdown): void {
  const rows = [...b.grouped].filter(([, g]) => g.bytes !== 0).sort((x, y) => y[1].bytes - x[1].bytes);
  console.log(
    `\n## ${b.kind}: N = ${b.connected}, heapUsed Δ ${num(b.heapUsedPerConn)} B/conn, snapshot Δ ${num(total(b.grouped) / b.connected)} B/conn (JS heap, without native backing stores)`,
  );
  console.log(`| B/conn | nodes/conn | held by |\n|---:|---:|---|`);
  for (const [label, g] of rows.slice(0, top)) console.log(`| ${num(g.bytes / b.connected)} | ${(g.count / b.connected).toFixed(2)} | ${label} |`);
}

function printDiff(base: Breakdown, other: Breakdown): void {
  const labels = new Set([...base.grouped.keys(), ...other.grouped.keys()]);
  const per = (b: Breakdown, label: string) => (b.grouped.get(label)?.bytes ?? 0) / b.connected;
  const all = [...labels].map((label) => ({ label, a: per(base, label), b: per(other, label) }));
  const rows = all.filter((r) => Math.abs(r.b - r.a) >= minDiff);
  rows.sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a));
  const shown = rows.slice(0, top);
  const rest = all.reduce((sum, r) => sum + r.b - r.a, 0) - shown.reduce((sum, r) => sum + r.b - r.a, 0);
  console.log(
    `\n## ${other.kind} − ${base.kind}: ${num(total(other.grouped) / other.connected - total(base.grouped) / base.connected)} B/conn of JS heap in all`,
  );
  console.log(`| ${base.kind} B/conn | ${other.kind} B/conn | Δ | held by |\n|---:|---:|---:|---|`);
  for (const r of shown) console.log(`| ${num(r.a)} | ${num(r.b)} | ${pad(num(r.b - r.a), 5)} | ${r.label} |`);
  console.log(`| | | ${num(rest)} | (the other ${all.length - shown.length} rows, native included) |`);
}

try {
  const results: Breakdown[] = [];
  for (const kind of kinds) results.push(await measure(kind));
  for (const b of results) printOne(b);
  const sio = results.find((b) => b.kind === 'sio');
  for (const b of results) if (sio && b !== sio) printDiff(sio, b);
  if (values.json) {
    const perConn = (b: Breakdown) => Object.fromEntries([...b.grouped].map(([label, g]) => [label, g.bytes / b.connected]));
    writeFileSync(values.json, JSON.stringify(Object.fromEntries(results.map((b) => [b.kind, { connected: b.connected, bytesPerConn: perConn(b) }]))));
  }
} finally {
  if (values.keep || values.from) console.log(`\nsnapshots kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
