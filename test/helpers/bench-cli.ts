/**
 * Runs the benchmark as a black box, the way a person does: `node --import tsx bench/run.ts
 * --smoke ...` in a child process, writing into a temp folder, then reads the JSON report (and its
 * Markdown twin) it wrote. The suites import nothing from bench/, so the bench can change its
 * insides freely as long as its command line and report keep their shape.
 *
 * The report types below name only what the smoke tests read; the rest of the JSON is ignored.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchCheck {
  target: string;
  n: number;
  value: string;
  met: boolean;
}

export interface BenchPart {
  part: string;
  title: string;
  markdown: string;
  checks: BenchCheck[];
  charts: { id: string }[];
  data: unknown;
}

export interface BenchReport {
  mode: string;
  machine: Record<string, unknown>;
  trials: unknown[];
  summary: unknown[];
  parts: BenchPart[];
  checks: BenchCheck[];
  table: string;
}

export interface BenchRun {
  report: BenchReport;
  /** The Markdown record written next to the JSON. */
  markdown: string;
  /** Everything the command printed (for failure messages). */
  output: string;
}

/**
 * `bench/run.ts --smoke <args> --out <temp>`; rejects with the command's output when it exits
 * non-zero or is still running after `timeoutMs` (then it is killed, with its process group).
 */
export async function runBenchSmoke(args: string[], timeoutMs: number): Promise<BenchRun> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const command = [process.execPath, '--import', 'tsx', 'bench/run.ts', '--smoke', ...args, '--out', outDir];
    // detached: its own process group, so a timeout also ends the servers and clients it started.
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', killGroup);
    const timer = setTimeout(killGroup, timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    }).finally(() => {
      clearTimeout(timer);
      process.off('exit', killGroup);
    });
    if (code !== 0) throw new Error(`${command.slice(2).join(' ')} exited with ${String(code)}:\n${output.slice(-4000)}`);
    const json = readdirSync(outDir).filter((name) => name.endsWith('.json'));
    if (json.length !== 1) throw new Error(`expected one JSON report in ${outDir}, found ${json.join(', ') || 'none'}:\n${output.slice(-4000)}`);
    const file = join(outDir, json[0]!);
    return {
      report: JSON.parse(readFileSync(file, 'utf8')) as BenchReport,
      markdown: readFileSync(file.replace(/\.json$/, '.md'), 'utf8'),
      output,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The one part a `--no-sweep --parts <name>` run reports. */
export function onlyPart(run: BenchRun, name: string): BenchPart {
  const part = run.report.parts.find((p) => p.part === name);
  if (!part || run.report.parts.length !== 1) throw new Error(`expected exactly part ${name}, got ${run.report.parts.map((p) => p.part).join(', ')}`);
  return part;
}
