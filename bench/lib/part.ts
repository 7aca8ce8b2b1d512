/**
 * A bench "part": one scenario beyond the single-node fan-out sweep (cluster fan-out, the
 * event log's cost, catch-up, a reconnect storm, the HTTP emit path). Each part lives in
 * its own module under bench/parts/, is registered in bench/parts/index.ts, and returns the
 * same shape, so the harness can print, check, chart and store every part alike.
 */
import type { Chart } from './svg-chart';

export type PartName = 'cluster' | 'log' | 'catchup' | 'storm' | 'http';

export interface Check {
  target: string;
  n: number;
  value: string;
  met: boolean;
}

export interface PartContext {
  /** quick: `npm run bench` (all parts together stay within the 3-minute budget); full: the sweep; smoke: tiny N in `npm test`. */
  mode: 'quick' | 'full' | 'smoke';
  repeats: number;
  /** Repository root (cwd for child processes). */
  root: string;
  /** Environment every child gets (NEXTAUTH_SECRET, NODE_ENV). */
  env: Record<string, string>;
  /** Connection attempts in flight at once in load generators. */
  concurrency: number;
  log: (line: string) => void;
  /** Build Next afresh even when the cached build is newer than the sources (--rebuild; the http part). */
  rebuild?: boolean;
  /** Also take a CPU profile and say where the time goes (--http-profile; the http part, always in full mode). */
  profile?: boolean;
}

export interface PartResult {
  part: PartName;
  /** Section heading in the console output and RESULTS.md. */
  title: string;
  /** Markdown: tables (medians with min–max spread) and short notes on method. */
  markdown: string;
  checks: Check[];
  /** Charts drawn from this part's data (written as SVG next to the JSON in full mode). */
  charts: Chart[];
  /** Raw data kept in the JSON report (every trial). */
  data: unknown;
}

export interface Part {
  name: PartName;
  /** One line for --help. */
  summary: string;
  run(context: PartContext): Promise<PartResult>;
}
