/**
 * Keeps the bench's `log` part from rotting (run as `bench/run.ts --smoke --no-sweep --parts log`): the whole part (a gateway node composed by
 * createRealtime on a temp SQLite file and on a throwaway redis-server, the load generator, both
 * sinks, fan-out rounds and emitToUser bursts) at tiny N. Shapes and deliveries only: no timing.
 */
import { describe, expect, it } from 'vitest';
import { onlyPart, runBenchSmoke } from '../helpers/bench-cli';

interface LogSide {
  emits: number;
  deliveries: number;
  missing: number;
  serverMs: number;
  redisMs: number;
}

/** What this test reads of the part's data (bench/parts/log.ts writes more). */
interface LogBlock {
  backend: string;
  sink: string;
  block: number;
  fanout: LogSide;
  user: LogSide & { perSec: number };
}

describe('bench part "log" at tiny N', () => {
  it('measures both sinks on both backends and loses no delivery', { timeout: 180_000 }, async () => {
    const result = onlyPart(await runBenchSmoke(['--no-sweep', '--parts', 'log'], 170_000), 'log');
    const { blocks, summary } = result.data as { blocks: LogBlock[]; summary: { backend: string; sink: string; missing: number }[] };
    expect(summary.map((s) => `${s.backend}/${s.sink}`).sort()).toEqual(['redis/direct', 'redis/log', 'sqlite/direct', 'sqlite/log']);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      const label = `${block.backend}/${block.sink} block ${block.block}`;
      expect(block.fanout.missing, label).toBe(0);
      expect(block.user.missing, label).toBe(0);
      expect(block.fanout.deliveries, label).toBe(block.fanout.emits * 20);
      expect(block.user.deliveries, label).toBe(block.user.emits);
      for (const value of [block.fanout.serverMs, block.user.serverMs, block.user.perSec]) expect(Number.isFinite(value), label).toBe(true);
      // redis-server's CPU is counted for Redis (read from /proc), never for SQLite.
      if (block.backend === 'sqlite') expect(block.fanout.redisMs + block.user.redisMs, label).toBe(0);
      else expect(block.fanout.redisMs + block.user.redisMs, label).toBeGreaterThanOrEqual(0);
    }
    for (const s of summary) expect(s.missing).toBe(0);
    expect(result.checks.map((c) => c.target)).toEqual(
      expect.arrayContaining([
        'SQLite (embedded): log/no-log CPU per delivery at fan-out 1,000 ≤ 1.2×',
        'Redis (1 node): emitToUser with the log ≥ 20,000 events/s per node',
      ]),
    );
    expect(result.charts.map((c) => c.id)).toEqual(['log-cpu-per-delivery', 'log-emit-to-user-rate']);
    expect(result.markdown).toContain('| SQLite (embedded) | event log |');
  });
});
