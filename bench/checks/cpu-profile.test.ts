/**
 * The http part's profile summariser (bench/lib/cpu-profile.ts) on real CPU profiles recorded
 * here with the inspector: busy functions in files laid out like the app's (node_modules/jose,
 * src/server/trpc, a bundle with a source map naming node_modules/zod), then the categories.
 * The http part itself needs a production Next build (minutes here), so it has no smoke test;
 * its pure pieces are checked here and in http-part.test.ts.
 */
import { hkdfSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryOfPath, shortSource, summariseProfile, type CpuProfile } from '../lib/cpu-profile';

type Spin = (ms: number) => number;
const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A function that keeps the CPU busy for `ms`, in its own file (so the profile names that file). */
const SPIN = `export function spin(ms) { let x = 0; const end = performance.now() + ms; while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x + i * i) % 1000003; return x; }\n`;

function write(relative: string, text: string): string {
  const file = join(dir, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function load(file: string): Promise<Record<string, Spin>> {
  return (await import(pathToFileURL(file).href)) as Record<string, Spin>;
}

async function record(work: () => void): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    work();
    return (await session.post('Profiler.stop')).profile as unknown as CpuProfile;
  } finally {
    session.disconnect();
  }
}

let profile: CpuProfile;

beforeAll(async () => {
  const jose = await load(write('node_modules/jose/spin.mjs', SPIN));
  const trpc = await load(write('src/server/trpc/spin.mjs', SPIN));
  // Node's own crypto (no rule names it), called from a file under node_modules/jose: the caller's category.
  const hkdf = await load(
    write(
      'node_modules/jose/derive.mjs',
      `import { hkdfSync } from 'node:crypto';\nexport function derive(ms) { const end = performance.now() + ms; let n = 0; while (performance.now() < end) { hkdfSync('sha256', 'secret', '', 'info', 32); n++; } return n; }\n`,
    ),
  );
  // A minified bundle whose source map names node_modules/zod/spin.mjs.
  write('node_modules/zod/spin.mjs', SPIN.replace('function spin', 'function zodSpin'));
  write('entry.mjs', `export { zodSpin } from './node_modules/zod/spin.mjs';\n`);
  await build({
    entryPoints: [join(dir, 'entry.mjs')],
    outfile: join(dir, 'out/bundle.mjs'),
    bundle: true,
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  const bundled = await load(join(dir, 'out/bundle.mjs'));
  hkdfSync('sha256', 'warm', '', 'up', 32);

  profile = await record(() => {
    jose.spin!(150);
    trpc.spin!(100);
    hkdf.derive!(100);
    bundled.zodSpin!(100);
  });
}, 30_000);

describe('summariseProfile on a recorded profile', () => {
  it('puts each file’s time in its category, resolving the bundle through its source map', () => {
    const summary = summariseProfile(profile);
    const ms = (category: string) => summary.categories.find((c) => c.category === category)?.ms ?? 0;
    // jose: 150 ms of spin + ~100 ms of hkdf called from it; no timing is asserted beyond "most of it".
    expect(ms('session (next-auth, jose)')).toBeGreaterThan(ms('tRPC (routing, batch, procedures)'));
    expect(ms('tRPC (routing, batch, procedures)')).toBeGreaterThan(50);
    expect(ms('zod')).toBeGreaterThan(50);
    expect(summary.busyMs).toBeGreaterThan(300);
    expect(summary.busyMs).toBeLessThanOrEqual(summary.totalMs);
    const shares = summary.categories.filter((c) => Number.isFinite(c.share)).reduce((sum, c) => sum + c.share, 0);
    expect(shares).toBeCloseTo(1, 5);
    // The bundle is minified (the function's name is mangled): its map still names the file.
    expect(summary.topFunctions.some((f) => shortSource(f.source) === 'node_modules/zod/spin.mjs' && f.category === 'zod')).toBe(true);
  });

  it('gives an unnamed leaf (Node’s hkdf) to its nearest named caller', () => {
    const summary = summariseProfile(profile, undefined, 1000);
    const hkdf = summary.topFunctions.filter((f) => /hkdf|HKDF|run/i.test(f.name) && f.source.startsWith('node:') === false);
    expect(hkdf.length).toBeGreaterThan(0);
    for (const f of hkdf) expect(f.category).toBe('session (next-auth, jose)');
  });
});

describe('categories', () => {
  it('names paths by rule, first match wins', () => {
    expect(categoryOfPath('/app/node_modules/next-auth/jwt/index.js')).toBe('session (next-auth, jose)');
    expect(categoryOfPath('/app/src/socket-gateway/stores/sqlite/revocation-store.ts')).toBe('revocation lookup');
    expect(categoryOfPath('/app/src/server/trpc/rate-limit.ts')).toBe('rate limit');
    expect(categoryOfPath('/app/src/socket-gateway/stores/sqlite/event-log.ts')).toBe('event log append (SQLite)');
    expect(categoryOfPath('/app/node_modules/@trpc/server/dist/index.mjs')).toBe('tRPC (routing, batch, procedures)');
    expect(categoryOfPath('/app/node_modules/next/dist/server/base-server.js')).toBe('Next request handling');
    expect(categoryOfPath('node:_http_server')).toBe('Node http/net');
    expect(categoryOfPath('/app/server.ts')).toBe('server.ts (headers, body cap, address)');
    expect(categoryOfPath('node:internal/crypto/hkdf')).toBeNull();
  });

  it('weighs each sample by the time until the next one; idle is no share', () => {
    const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, scriptId: '0', url, lineNumber: 0, columnNumber: 0 } });
    const synthetic: CpuProfile = {
      nodes: [
        { ...frame(1, '(root)', ''), children: [2, 3, 4] },
        frame(2, '(idle)', ''),
        { ...frame(3, 'toString', '/app/node_modules/zod/index.js'), children: [] },
        frame(4, 'handler', '/app/src/server/trpc/init.ts'),
      ],
      startTime: 0,
      endTime: 4000,
      samples: [2, 3, 4, 4],
      timeDeltas: [0, 1000, 1000, 2000],
    };
    const summary = summariseProfile(synthetic, (f) => f.url);
    expect(summary.categories).toEqual([
      { category: 'tRPC (routing, batch, procedures)', ms: 3, share: 0.75 },
      { category: 'idle', ms: 1, share: Number.NaN },
      { category: 'zod', ms: 1, share: 0.25 },
    ]);
  });
});
