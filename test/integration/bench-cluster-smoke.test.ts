/**
 * Keeps the bench's cluster part (bench/parts/cluster.ts) from rotting, run as
 * `bench/run.ts --smoke --no-sweep --parts cluster`: two gateway nodes and two
 * raw Socket.IO + redis-adapter nodes, each pair on a real redis-server, at tiny N. Every client
 * connects, every broadcast and every emitToUser reaches every client, and the result has the
 * shape the harness prints and stores. No timing assertions.
 */
import { describe, expect, it } from 'vitest';
import { onlyPart, runBenchSmoke } from '../helpers/bench-cli';

/** What this test reads of the part's data (bench/parts/cluster.ts writes more). */
interface ClusterTrial {
  kind: string;
  server: string;
  n: number;
  connected: number;
  connectFailed: number;
  fanout: { rounds: number; deliveries: number; missing: number; p50: number; p99: number };
  fanoutCpuPer1k: { total: number; redis: number };
  emitToUser: { missing: number; perSec: number };
}

describe('bench part "cluster" at tiny N', () => {
  it('runs both clusters, delivers every message and reports checks and data', { timeout: 180_000 }, async () => {
    const result = onlyPart(await runBenchSmoke(['--no-sweep', '--parts', 'cluster'], 170_000), 'cluster');

    const { trials, summary } = result.data as { trials: ClusterTrial[]; summary: unknown[] };
    expect(trials.map((t) => t.kind).sort()).toEqual(['gateway', 'sio']);
    for (const trial of trials) {
      expect(trial, trial.server).toMatchObject({ connected: trial.n, connectFailed: 0 });
      expect(trial.fanout, trial.server).toMatchObject({ deliveries: trial.n * trial.fanout.rounds, missing: 0 });
      expect(trial.emitToUser.missing, trial.server).toBe(0);
      for (const value of [trial.fanout.p50, trial.fanout.p99, trial.fanoutCpuPer1k.total, trial.fanoutCpuPer1k.redis, trial.emitToUser.perSec]) {
        expect(Number.isFinite(value), trial.server).toBe(true);
      }
    }
    expect(summary).toHaveLength(2);
    expect(result.markdown).toContain('| gateway ×2 |');
    expect(result.markdown).toContain('| Socket.IO + redis-adapter ×2 |');
    expect(result.checks.map((c) => c.target)).toEqual(
      expect.arrayContaining(['cluster: gateway/SIO+redis-adapter CPU per delivery ≤ 1.15×', 'cluster: gateway lost deliveries = 0']),
    );
    expect(result.checks.find((c) => c.target === 'cluster: gateway lost deliveries = 0')?.met).toBe(true);
  });
});
