/**
 * Keeps the benchmark harness (`npm run bench`) from rotting: the whole pipeline (server
 * children, load generator, fan-out rounds, emitToUser bursts, summary, table, JSON) at
 * tiny N. Shapes and deliveries only: no timing assertions. No parts: each has its own smoke
 * test, and the http part (the end-to-end figures) needs a production Next build (minutes on a
 * small machine); `npm run bench` builds and runs it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN_SERVERS, VARIANT_SERVERS, runBench, type BenchReport } from '../../bench/harness';

const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const N = 20;
const ROUNDS = 3;

describe('benchmark harness at tiny N', () => {
  // Nine server processes in turn, each pinned to one core: about 40 s on an idle 2-core
  // machine, more when it is busy. No timing is asserted, so the bound is generous.
  it('runs every server, delivers every message and writes the report', { timeout: 240_000 }, async () => {
    const report: BenchReport = await runBench(
      {
        mode: 'smoke',
        sizes: [N],
        repeats: 1,
        warmupRounds: 1,
        rounds: ROUNDS,
        userBursts: 1,
        servers: MAIN_SERVERS,
        variants: VARIANT_SERVERS,
        variantSizes: [N],
        concurrency: 10,
        parts: [],
        outDir,
        log: () => undefined,
      },
      'vitest bench-smoke',
    );

    const names = [...MAIN_SERVERS, ...VARIANT_SERVERS].map((s) => s.name);
    expect(report.trials.map((t) => t.server).sort()).toEqual([...names].sort());
    for (const trial of report.trials) {
      expect(trial, trial.server).toMatchObject({ n: N, connected: N, connectFailed: 0 });
      expect(trial.fanout, trial.server).toMatchObject({ rounds: ROUNDS, deliveries: N * ROUNDS, missing: 0 });
      expect(trial.emitToUser.missing, trial.server).toBe(0);
      for (const value of [trial.connectPerSec, trial.fanout.p50, trial.fanout.p99, trial.fanoutCpuPer1k.total, trial.emitToUser.perSec]) {
        expect(Number.isFinite(value), trial.server).toBe(true);
      }
    }
    expect(report.summary).toHaveLength(names.length);
    for (const name of ['raw ws', 'raw Socket.IO', 'gateway', 'tRPC ws']) expect(report.table).toContain(`| ${name} |`);
    expect(report.checks.map((c) => c.target)).toContain('gateway/SIO CPU per delivery ≤ 1.10×');
    expect(report.parts).toEqual([]);

    expect(report.file).toMatch(/\.json$/);
    const written = JSON.parse(readFileSync(report.file!, 'utf8')) as BenchReport;
    expect(written.trials).toHaveLength(report.trials.length);
    expect(written.machine).toHaveProperty('nproc');
    // The Markdown twin of the JSON: the table and the targets, as RESULTS.md quotes them.
    const markdown = readFileSync(report.markdownFile!, 'utf8');
    expect(markdown).toContain('| gateway |');
    expect(markdown).toContain('## Targets');
  });
});
