/**
 * The cluster under test of the cluster and storm parts: one redis-server and two node processes
 * (bench/cluster-node.ts), all pinned to the servers' core, so that "server CPU" is the CPU of
 * the whole cluster and the load generator on the other core never competes with it.
 */
import { Child, pinProcess } from './child';
import { startBenchRedis, type BenchRedis } from './bench-redis';
import type { ClusterNodeKind, NodeCommand, NodeReply } from './cluster-protocol';

export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

export type NodeChild = Child<NodeCommand, NodeReply>;

export interface ClusterNode {
  name: string;
  child: NodeChild;
  port: number;
  pid: number;
}

export interface BenchCluster {
  redis: BenchRedis;
  nodes: ClusterNode[];
  /** CPU of every node (process.cpuUsage) and of redis-server (/proc), in ms. */
  cpu(): Promise<{ nodes: number[]; redis: number }>;
  stop(): Promise<void>;
}

export async function startBenchCluster(options: {
  kind: ClusterNodeKind;
  root: string;
  env: Record<string, string>;
  /** Node settings on top of `env` (the gateway reads them through src/env.ts). */
  nodeEnv?: Record<string, string>;
  nodeArgs?: (name: string) => string[];
}): Promise<BenchCluster> {
  const redis = await startBenchRedis(SERVER_CORE);
  const children: NodeChild[] = [];
  try {
    const names = ['A', 'B'];
    for (const name of names) {
      children.push(
        Child.start<NodeCommand, NodeReply>({
          label: `${options.kind} node ${name}`,
          script: 'bench/cluster-node.ts',
          env: { ...options.env, ...options.nodeEnv, BENCH_NODE_KIND: options.kind, BENCH_REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'bench:' },
          // Pinned once ready: loading the modules (about 2 s of CPU per node, node-redis and zod
          // most of it) may use both cores, the measurement may not.
          cwd: options.root,
          nodeArgs: options.nodeArgs?.(name),
        }),
      );
    }
    const ready = await Promise.all(children.map((child) => child.waitFor('ready', undefined, 60_000)));
    const nodes = children.map((child, i) => ({ name: names[i]!, child, port: ready[i]!.port, pid: ready[i]!.pid }));
    for (const node of nodes) pinProcess(node.pid, SERVER_CORE);
    return {
      redis,
      nodes,
      async cpu() {
        const stats = await Promise.all(nodes.map((node) => node.child.request({ type: 'stats' }, 'stats')));
        return { nodes: stats.map((s) => (s.user + s.system) / 1000), redis: redis.cpuMs() };
      },
      async stop() {
        await Promise.all(children.map((child) => child.stop()));
        await redis.stop();
      },
    };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    await redis.stop();
    throw error;
  }
}
