/**
 * "Where the time goes" from a V8 CPU profile (`.cpuprofile`, from `node --cpu-prof` or the
 * inspector): every sample's time goes to one category of the HTTP emit path.
 *
 * A sample is attributed by walking its stack from the leaf towards the root to the first frame
 * that a rule names (session decoding, tRPC, the event log, Next, ...). Frames no rule names
 * (Node's crypto, buffer and promise internals, anonymous helpers) are skipped, so their time
 * goes to whoever called them: jose's `crypto.hkdf` counts as session decoding, a
 * `randomBytes` in the security headers as headers. A stack with no named frame at all is
 * "Node internals" when its leaf is in Node or native (the microtask queue), otherwise "other".
 *
 * Minified bundles (Next's Turbopack chunks, the esbuild bundle of server.ts) are resolved
 * through their source maps to the original file (node_modules/jose/…, src/server/auth.ts).
 * @see https://chromedevtools.github.io/devtools-protocol/v8/Profiler/#type-Profile
 * @see https://nodejs.org/api/module.html#class-modulesourcemap
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
  /** 0-based. */
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export type Category =
  | 'idle'
  | 'GC'
  | 'V8/native (program)'
  | 'session (next-auth, jose)'
  | 'revocation lookup'
  | 'rate limit'
  | 'tRPC (routing, batch, procedures)'
  | 'zod'
  | 'tracing, metrics'
  | 'event log append (SQLite)'
  | 'emit/delivery (Socket.IO)'
  | 'logging (pino)'
  | 'server.ts (headers, body cap, address)'
  | 'Next request handling'
  | 'Node http/net'
  | 'Node internals'
  | 'other';

/** First match wins; tested against the resolved source path (or URL) with `/` separators. */
const PATH_RULES: [RegExp, Category][] = [
  [/src\/server\/auth\.ts|node_modules\/(next-auth|jose|@panva\/hkdf|openid-client|oauth|cookie)\//, 'session (next-auth, jose)'],
  [/revocation-store|src\/socket-gateway\/registry\.ts/, 'revocation lookup'],
  [/rate-limit/, 'rate limit'],
  [/src\/socket-gateway\/(request-context|metrics)\.ts|node_modules\/prom-client\//, 'tracing, metrics'],
  [/src\/socket-gateway\/stores\/sqlite\/event-log|src\/socket-gateway\/sinks\.ts|node_modules\/better-sqlite3\//, 'event log append (SQLite)'],
  [
    /src\/socket-gateway\/(replay|socket-server|rooms|gateway|slow-consumers|handshake-limits)\.ts|node_modules\/(socket\.io|socket\.io-adapter|socket\.io-parser|engine\.io|engine\.io-parser|ws)\//,
    'emit/delivery (Socket.IO)',
  ],
  [/node_modules\/zod\//, 'zod'],
  [/node_modules\/@trpc\/|src\/server\/trpc\/|src\/app\/api\/trpc\/|src\/socket-gateway\/events\.ts/, 'tRPC (routing, batch, procedures)'],
  [
    /src\/socket-gateway\/logger\.ts|src\/server\/auth-logger\.ts|node_modules\/(pino|sonic-boom|pino-std-serializers|fast-redact|thread-stream)\//,
    'logging (pino)',
  ],
  [/(^|\/)server\.ts$|src\/server\/http\/|src\/server\/(lifecycle|graceful-shutdown|realtime)\.ts|src\/env\.ts/, 'server.ts (headers, body cap, address)'],
  [
    /node_modules\/(next|@next|react|react-dom|react-server-dom-[a-z]+|scheduler|styled-jsx)\/|\[turbopack\]|\.next[^/]*\/server\/|src\/app\//,
    'Next request handling',
  ],
  [
    /^node:(_http_|http$|https$|net$|_stream|stream|internal\/(http|streams|stream_base_commons|js_stream_socket|net|dns|tcp_wrap)|internal\/deps\/undici)/,
    'Node http/net',
  ],
];

const SPECIAL: Record<string, Category> = {
  '(idle)': 'idle',
  '(garbage collector)': 'GC',
  '(program)': 'V8/native (program)',
};

/** The category a (resolved) source path names, or null (walk on to the caller). */
export function categoryOfPath(path: string): Category | null {
  const normal = path.replace(/\\/g, '/');
  for (const [pattern, category] of PATH_RULES) if (pattern.test(normal)) return category;
  return null;
}

/** Source-map resolution of generated positions, one parsed map per script (or null without one). */
export function createSourceResolver() {
  const maps = new Map<string, { map: SourceMap; base: string } | null>();
  const load = (url: string) => {
    if (maps.has(url)) return maps.get(url)!;
    let entry: { map: SourceMap; base: string } | null = null;
    try {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url.startsWith('/') ? url : null;
      if (file && existsSync(file)) {
        const tail = readFileSync(file, 'utf8').slice(-4096);
        const named = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(tail)?.[1];
        const mapFile = named && !named.startsWith('data:') ? join(dirname(file), decodeURIComponent(named)) : `${file}.map`;
        if (existsSync(mapFile)) entry = { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as never), base: pathToFileURL(mapFile).href };
      }
    } catch {
      entry = null;
    }
    maps.set(url, entry);
    return entry;
  };
  /** The original source of a generated position (a path when it is a file), or the URL itself. */
  return (frame: Pick<CallFrame, 'url' | 'lineNumber' | 'columnNumber'>): string => {
    if (!frame.url || frame.url.startsWith('node:')) return frame.url;
    const loaded = load(frame.url);
    if (!loaded) return frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
    const found = loaded.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
    if (!found.originalSource) return frame.url;
    try {
      const resolved = new URL(found.originalSource, loaded.base);
      return resolved.protocol === 'file:' ? decodeURIComponent(resolved.pathname) : found.originalSource;
    } catch {
      return found.originalSource;
    }
  };
}

function generatedPath(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url;
}

export interface ProfileSummary {
  /** Profiled wall time, ms. */
  totalMs: number;
  /** Wall time not idle, ms (the percentages' base). */
  busyMs: number;
  categories: { category: Category; ms: number; share: number }[];
  /** The heaviest functions by self time (resolved source), for a closer look. */
  topFunctions: { name: string; source: string; category: Category; ms: number }[];
}

/** Sums every sample's time into categories (see the module comment for the attribution). */
export function summariseProfile(profile: CpuProfile, resolve: (frame: CallFrame) => string = createSourceResolver(), top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const sourceOf = new Map<number, string>();
  const source = (id: number) => {
    let value = sourceOf.get(id);
    if (value === undefined) {
      value = resolve(byId.get(id)!.callFrame);
      sourceOf.set(id, value);
    }
    return value;
  };
  const categoryOf = new Map<number, Category>();
  const categorise = (leaf: number): Category => {
    const cached = categoryOf.get(leaf);
    if (cached) return cached;
    const leafFrame = byId.get(leaf)!.callFrame;
    let category: Category | null = Object.hasOwn(SPECIAL, leafFrame.functionName) ? SPECIAL[leafFrame.functionName]! : null;
    for (let id: number | undefined = leaf; category === null && id !== undefined; id = parent.get(id)) {
      // The original file first; then the generated one (a package's own bundle, whose map names its src/).
      category = categoryOfPath(source(id)) ?? categoryOfPath(generatedPath(byId.get(id)!.callFrame.url));
    }
    category ??= leafFrame.url === '' || leafFrame.url.startsWith('node:') ? 'Node internals' : 'other';
    categoryOf.set(leaf, category);
    return category;
  };

  const times = new Map<Category, number>();
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  const average = samples.length ? (profile.endTime - profile.startTime) / samples.length : 0;
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one is taken.
    const us = timeDeltas[i + 1] ?? average;
    const id = samples[i]!;
    const category = categorise(id);
    times.set(category, (times.get(category) ?? 0) + us);
    self.set(id, (self.get(id) ?? 0) + us);
  }
  const totalUs = [...times.values()].reduce((a, b) => a + b, 0);
  const busyUs = totalUs - (times.get('idle') ?? 0);
  const categories = [...times]
    .map(([category, us]) => ({ category, ms: us / 1000, share: category === 'idle' || busyUs === 0 ? Number.NaN : us / busyUs }))
    .sort((a, b) => b.ms - a.ms);

  const byFunction = new Map<string, { name: string; source: string; category: Category; ms: number }>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    const src = source(id);
    const key = `${name}\u0000${src}`;
    const entry = byFunction.get(key) ?? { name, source: src, category: categorise(id), ms: 0 };
    entry.ms += us / 1000;
    byFunction.set(key, entry);
  }
  const topFunctions = [...byFunction.values()]
    .filter((f) => f.category !== 'idle')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, categories, topFunctions };
}

/** A source path shortened for a table (from node_modules/ or src/ on). */
export function shortSource(source: string): string {
  const modules = source.lastIndexOf('node_modules/');
  const at = modules >= 0 ? modules : Math.max(source.lastIndexOf('/src/') + 1, 0);
  return source.slice(at) || '(native)';
}
