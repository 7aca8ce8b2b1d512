/**
 * The http bench part's pure pieces: the server's environment (a valid production one, with the
 * rate limits raised and the bare route on), and cells → table rows → checks and charts.
 * The part's run() needs a production Next build, so it has no smoke test (see cpu-profile.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { LoadStats } from '../http-load';
import { httpCharts, httpChecks, serverEnv, summariseCells, type HttpCell } from '../parts/http';
import { parseEnv } from '../../src/env';

const stats = (target: 'noop' | 'send', inFlight: number, perSec: number, p99: number, extra: Partial<LoadStats> = {}): LoadStats => ({
  target,
  inFlight,
  calls: 100,
  errors: 0,
  seconds: 1,
  perSec,
  p50: p99 / 2,
  p99,
  max: p99,
  ...(target === 'send' ? { delivery: { p50: 3, p99: p99 + 1, missing: 0 } } : {}),
  ...extra,
});
const cell = (s: LoadStats, repeat: number): HttpCell => ({ target: s.target, inFlight: s.inFlight, repeat, stats: s, serverCpuPerCall: 1 });

describe('http part', () => {
  it('runs the server as production, bare route on, rate limits raised but still configured', () => {
    const env = parseEnv(serverEnv({ NEXTAUTH_SECRET: 'x'.repeat(40) }, 1234, '/tmp/db.sqlite'));
    expect(env).toMatchObject({ dev: false, appOrigin: 'http://localhost:1234', databasePath: '/tmp/db.sqlite', benchNoopRoute: true });
    expect(env.rateLimits).toMatchObject({ emit: { ratePerSecond: 100_000, burst: 100_000 }, recipient: { ratePerSecond: 100_000, burst: 100_000 } });
    // The part opens one socket per user and looks up no presence: those limits keep their defaults.
    expect(env.rateLimits).toMatchObject({ handshake: { ratePerSecond: 2, burst: 20 }, lookup: { ratePerSecond: 5, burst: 20 } });
    expect(env.demoUsers.map((u) => u.id)).toEqual(['alice', 'bob']);
  });

  it('summarises repeats as medians with spread and checks the targets', () => {
    const cells = [1, 2, 3].flatMap((r) => [
      cell(stats('noop', 50, 1000 * r, 50), r),
      cell(stats('send', 50, 800 * r, 150), r),
      cell(stats('noop', 1, 500, 3), r),
      cell(stats('send', 1, 300, 8), r),
    ]);
    const rows = summariseCells(cells);
    expect(rows.map((r) => `${r.target}@${r.inFlight}`)).toEqual(['noop@1', 'send@1', 'noop@50', 'send@50']);
    expect(rows[3]).toMatchObject({ perSec: { median: 1600, min: 800, max: 2400, n: 3 }, errors: 0, missing: 0 });
    const checks = httpChecks(rows);
    expect(checks.map((c) => [c.target, c.met])).toEqual([
      ['notification.send calls/s ≥ 0.7× bare route (50 in flight)', true],
      ['notification.send p99 < 200 ms (50 in flight)', true],
      ['notification.send → socket p50 < 10 ms (1 in flight)', true],
      ['no failed call, no lost delivery', true],
    ]);
    const slow = summariseCells([cell(stats('noop', 50, 1000, 50), 0), cell(stats('send', 50, 600, 250, { errors: 1 }), 0)]);
    expect(httpChecks(slow).map((c) => c.met)).toEqual([false, false, false]);
  });

  it('charts calls/s and p99 per in-flight level, one bar series per target', () => {
    const rows = summariseCells([
      cell(stats('noop', 1, 500, 3), 0),
      cell(stats('send', 1, 300, 8), 0),
      cell(stats('noop', 50, 900, 60), 0),
      cell(stats('send', 50, 700, 90), 0),
    ]);
    const [perSec, p99] = httpCharts(rows);
    expect(perSec).toMatchObject({
      kind: 'bar',
      series: [
        {
          name: 'bare route (204)',
          points: [
            ['1 in flight', 500],
            ['50 in flight', 900],
          ],
        },
        { name: 'notification.send' },
      ],
    });
    expect(p99?.target?.y).toBe(200);
  });
});
