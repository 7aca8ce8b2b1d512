/**
 * Keeps the bench's storm part (bench/parts/storm.ts) from rotting, run as
 * `bench/run.ts --smoke --no-sweep --parts storm`: a tiny two-node gateway
 * cluster on a real redis-server, node A SIGKILLed while an emitter streams, every client resuming
 * on node B through the replay protocol. Asserts that every client came back and was synced, that
 * no streamed event was lost, duplicated or misaddressed, and the result's shape. No timing.
 */
import { describe, expect, it } from 'vitest';
import { onlyPart, runBenchSmoke } from '../helpers/bench-cli';

/** What this test reads of the part's data (bench/parts/storm.ts writes more). */
interface StormTrial {
  n: number;
  connected: number;
  connectFailed: number;
  recovery: { recovered: number; n: number; timedOut: boolean; resyncs: number };
  streamed: { room: number; user: number; failed: number };
  verify: { lost: number; duplicates: number; misaddressed: number; delivered: number };
  allConnectedMs: number;
  allCaughtUpMs: number;
  b: { peakCpuPercent: number; peakRssMB: number };
  samples: unknown[];
}

describe('bench part "storm" at tiny N', () => {
  it('kills node A under a live stream and every client resumes on B with nothing lost', { timeout: 180_000 }, async () => {
    const result = onlyPart(await runBenchSmoke(['--no-sweep', '--parts', 'storm'], 170_000), 'storm');

    const { trials } = result.data as { trials: StormTrial[] };
    expect(trials).toHaveLength(1);
    const [trial] = trials as [StormTrial];
    expect(trial).toMatchObject({ connected: trial.n, connectFailed: 0 });
    expect(trial.recovery).toMatchObject({ recovered: trial.n, n: trial.n, timedOut: false, resyncs: 0 });
    expect(trial.streamed.room + trial.streamed.user).toBeGreaterThan(0);
    expect(trial.streamed.failed).toBe(0);
    expect(trial.verify).toMatchObject({ lost: 0, duplicates: 0, misaddressed: 0 });
    // Each client got its own events: the room's and its user's, first copies only.
    expect(trial.verify.delivered).toBe(trial.streamed.room * trial.n + trial.streamed.user);
    for (const value of [trial.allConnectedMs, trial.allCaughtUpMs, trial.b.peakCpuPercent, trial.b.peakRssMB]) expect(Number.isFinite(value)).toBe(true);
    expect(trial.samples.length).toBeGreaterThan(0);
    expect(result.checks.find((c) => c.target === 'storm: events lost = 0')?.met).toBe(true);
  });
});
