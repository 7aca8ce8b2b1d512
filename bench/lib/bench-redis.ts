/**
 * The Redis a cluster part runs against: a throwaway `redis-server` from the test helper (its own
 * port, no persistence), pinned to the servers' core, with its pid (read from INFO, the helper
 * does not expose it) so its CPU can be read from /proc like the nodes'.
 */
import { createClient } from 'redis';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server';
import { pinProcess } from './child';
import { readProcStat } from './proc-stat';

export interface BenchRedis {
  url: string;
  pid: number;
  /** utime + stime of redis-server so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startBenchRedis(core: number): Promise<BenchRedis> {
  const server: RedisServer = await startRedisServer();
  try {
    const client = createClient({ url: server.url });
    await client.connect();
    const info = await client.info('server');
    await client.close();
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`redis-server: no process_id in INFO: ${info.slice(0, 200)}`);
    pinProcess(pid, core);
    return { url: server.url, pid, cpuMs: () => readProcStat(pid).cpuMs, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
