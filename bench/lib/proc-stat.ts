/**
 * CPU time and resident memory of a process we do not control (redis-server), or of a child seen
 * from outside (a node being sampled while it is busy), read from /proc. CPU comes in clock ticks
 * (`getconf CLK_TCK`, usually 100 Hz: 10 ms resolution), so callers measure over long enough spans.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

let ticksPerSecond: number | undefined;
let pageBytes: number | undefined;

function getconf(name: string, fallback: number): number {
  const value = Number(spawnSync('getconf', [name], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export interface ProcSample {
  /** utime + stime, in ms. */
  cpuMs: number;
  /** Resident set size, in bytes. */
  rss: number;
}

/** utime + stime and RSS of `pid` now (throws when the process is gone). */
export function readProcStat(pid: number): ProcSample {
  ticksPerSecond ??= getconf('CLK_TCK', 100);
  pageBytes ??= getconf('PAGESIZE', 4096);
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, rss 24.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuMs: ((utime + stime) * 1000) / ticksPerSecond, rss: rssPages * pageBytes };
}
