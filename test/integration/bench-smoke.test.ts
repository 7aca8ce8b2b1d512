/**
 * Keeps the benchmark harness (`npm run bench`) from rotting: the whole pipeline (server
 * children, load generator, fan-out rounds, emitToUser bursts, summary, table, JSON and its
 * Markdown twin) at tiny N, run as a black box: `bench/run.ts --smoke` with every server and
 * variant and no parts. Shapes and deliveries only: no timing assertions. Each part has its own
 * smoke test; the http part (the end-to-end figures) needs a production Next build (minutes on a
 * small machine), so `npm run bench` builds and runs it.
 */
import { describe, expect, it } from 'vitest';
import { runBenchSmoke } from '../helpers/bench-cli';

/** What this test reads of a trial (bench/harness.ts writes more). */
interface Trial {
  server: string;
  n: number;
  connected: number;
  connectFailed: number;
  connectPerSec: number;
  fanout: { rounds: number; deliveries: number; missing: number; p50: number; p99: number };
  fanoutCpuPer1k: { total: number };
  emitToUser: { missing: number; perSec: number };
}

const N = 20;
const ROUNDS = 3;
const SERVERS = ['raw ws', 'raw Socket.IO', 'gateway', 'tRPC ws'];
const VARIANTS = ['Socket.IO +polling', 'Socket.IO +deflate', 'Socket.IO −request', 'gateway +request', 'gateway broadcast()'];

describe('benchmark harness at tiny N', () => {
  // Nine server processes in turn, each pinned to one core: about 40 s on an idle 2-core
  // machine, more when it is busy. No timing is asserted, so the bound is generous.
  it('runs every server, delivers every message and writes the report', { timeout: 240_000 }, async () => {
    const { report, markdown } = await runBenchSmoke(
      ['--sizes', String(N), '--rounds', String(ROUNDS), '--servers', 'ws,sio,gateway,trpc', '--variants', '--no-parts'],
      230_000,
    );

    expect(report.mode).toBe('smoke');
    const trials = report.trials as Trial[];
    expect(trials.map((t) => t.server).sort()).toEqual([...SERVERS, ...VARIANTS].sort());
    for (const trial of trials) {
      expect(trial, trial.server).toMatchObject({ n: N, connected: N, connectFailed: 0 });
      expect(trial.fanout, trial.server).toMatchObject({ rounds: ROUNDS, deliveries: N * ROUNDS, missing: 0 });
      expect(trial.emitToUser.missing, trial.server).toBe(0);
      for (const value of [trial.connectPerSec, trial.fanout.p50, trial.fanout.p99, trial.fanoutCpuPer1k.total, trial.emitToUser.perSec]) {
        expect(Number.isFinite(value), trial.server).toBe(true);
      }
    }
    expect(report.summary).toHaveLength(SERVERS.length + VARIANTS.length);
    for (const name of SERVERS) expect(report.table).toContain(`| ${name} |`);
    expect(report.checks.map((c) => c.target)).toContain('gateway/SIO CPU per delivery ≤ 1.10×');
    expect(report.parts).toEqual([]);
    expect(report.machine).toHaveProperty('nproc');
    // The Markdown twin of the JSON: the table and the targets, as RESULTS.md quotes them.
    expect(markdown).toContain('| gateway |');
    expect(markdown).toContain('## Targets');
  });
});
