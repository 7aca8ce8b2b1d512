/**
 * What the `log` and `catchup` parts share: one gateway node (./gateway-node.ts) on the server
 * core, its backend (a temp SQLite file, or a redis-server from test/helpers started once per
 * part and pinned to the server core too), and CPU samples of every process on the emit path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server';
import { Child, pinProcess } from '../lib/child';
import type { PartContext } from '../lib/part';
import { processCpuMs, redisServerPid } from '../lib/process-cpu';
import type { NodeCommand, NodeReply } from './gateway-node';

export type Backend = 'sqlite' | 'redis';
export type NodeChild = Child<NodeCommand, NodeReply>;

export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

export const BACKEND_LABEL: Record<Backend, string> = { sqlite: 'SQLite (embedded)', redis: 'Redis (1 node)' };

/** A backend for a whole part run: trials get fresh state from `nodeEnv(trial)`. */
export interface BackendHandle {
  backend: Backend;
  /** The environment a node needs for a fresh log (a new SQLite file, or a new Redis key prefix). */
  nodeEnv(trial: string): Record<string, string>;
  /** CPU ms of the processes the node relies on (redis-server), 0 for SQLite (in the node's own process). */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function openBackend(backend: Backend): Promise<BackendHandle> {
  if (backend === 'sqlite') {
    // A real file (ext4 here), as in production (DATABASE_PATH): WAL and its checkpoints are part of the cost; :memory: would hide them.
    const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
    return {
      backend,
      nodeEnv: (trial) => ({ DATABASE_PATH: join(dir, `${trial}.sqlite`) }),
      cpuMs: () => 0,
      async stop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const redis: RedisServer = await startRedisServer();
  try {
    const pid = await redisServerPid(redis.url);
    // On the server core: the load generator keeps core 1 to itself, and all of the path's CPU is counted.
    pinProcess(pid, SERVER_CORE);
    return {
      backend,
      nodeEnv: (trial) => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${trial}:` }),
      cpuMs: () => processCpuMs(pid),
      stop: () => redis.stop(),
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

/** Starts a node on the server core and waits until it listens. */
export async function startNode(context: PartContext, backend: BackendHandle, trial: string, members: number): Promise<{ node: NodeChild; port: number }> {
  const node: NodeChild = Child.start({
    label: `gateway node (${backend.backend})`,
    script: 'bench/parts/gateway-node.ts',
    env: { ...context.env, ...backend.nodeEnv(trial), BENCH_MEMBERS: String(members), LOG_LEVEL: 'warn' },
    core: SERVER_CORE,
    cwd: context.root,
    // Profiling aid: BENCH_CPU_PROF=<dir> writes the node's V8 CPU profile there (stop it with `stopNode`).
    ...(process.env.BENCH_CPU_PROF ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] } : {}),
  });
  try {
    const ready = await node.waitFor('ready', undefined, 60_000);
    return { node, port: ready.port };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** Stops a node: gracefully (IPC closed, so it exits and writes a CPU profile if asked), killed after 5 s. */
export async function stopNode(node: NodeChild): Promise<void> {
  if (node.process.connected) node.process.disconnect();
  const timer = setTimeout(() => void node.stop(), 5_000);
  await node.exited;
  clearTimeout(timer);
}

export interface CpuSample {
  /** The node's own CPU (process.cpuUsage), ms. */
  server: number;
  /** redis-server's (from /proc), ms; 0 for SQLite. */
  redis: number;
}

export async function sampleCpu(node: NodeChild, backend: BackendHandle): Promise<CpuSample> {
  const stats = await node.request({ type: 'stats' }, 'stats');
  return { server: (stats.user + stats.system) / 1000, redis: backend.cpuMs() };
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuSample {
  return { server: b.server - a.server, redis: b.redis - a.redis };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
