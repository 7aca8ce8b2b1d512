/**
 * Keeps the bench's `catchup` part from rotting (run as `bench/run.ts --smoke --no-sweep --parts catchup`): a gateway node (temp SQLite file, and a throwaway
 * redis-server), the light resume client, and the replay checks, at tiny N. Every missed event must
 * arrive, in order, once, with `gateway:sync` saying so. No timing.
 */
import { describe, expect, it } from 'vitest';
import { onlyPart, runBenchSmoke } from '../helpers/bench-cli';

/** What this test reads of the part's data (bench/parts/catchup.ts writes more). */
interface CatchupTrial {
  backend: string;
  missed: number;
  error?: string;
  received: number;
  outOfOrder: number;
  complete: boolean;
  sync: { replayed: number; resync: boolean };
  lastEventMs: number;
  syncMs: number;
  serverMs: number;
}

describe('bench part "catchup" at tiny N', () => {
  it('replays every missed event to the reconnecting client, on both backends', { timeout: 120_000 }, async () => {
    const result = onlyPart(await runBenchSmoke(['--no-sweep', '--parts', 'catchup'], 110_000), 'catchup');
    const { trials, summary } = result.data as { trials: CatchupTrial[]; summary: { incomplete: number }[] };
    expect(trials.map((t) => `${t.backend}/${t.missed}`).sort()).toEqual(['redis/150', 'redis/20', 'sqlite/150', 'sqlite/20']);
    for (const trial of trials) {
      const label = `${trial.backend}/${trial.missed}`;
      expect(trial.error, label).toBeUndefined();
      expect(trial, label).toMatchObject({ received: trial.missed, outOfOrder: 0, complete: true });
      expect(trial.sync, label).toMatchObject({ replayed: trial.missed, resync: false });
      for (const value of [trial.lastEventMs, trial.syncMs, trial.serverMs]) expect(Number.isFinite(value), label).toBe(true);
    }
    expect(summary.every((s) => s.incomplete === 0)).toBe(true);
    expect(result.checks.filter((c) => c.target.includes('in order, once')).every((c) => c.met)).toBe(true);
    expect(result.charts.map((c) => c.id)).toEqual(['catchup-time']);
  });
});
