/**
 * CPU time of a process the bench does not run code in (redis-server), from /proc/<pid>/stat:
 * utime + stime (fields 14 and 15, in clock ticks; `getconf CLK_TCK`, 100 on Linux, so 10 ms
 * resolution: measure windows long enough for that not to matter).
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticksPerSecond;
}

/** utime + stime of `pid` so far, in milliseconds. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

/** The pid of the redis-server behind `url` (`INFO server` → `process_id`). */
export async function redisServerPid(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    const info = await client.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process_id in INFO server from ${url}`);
    return pid;
  } finally {
    await client.close();
  }
}
