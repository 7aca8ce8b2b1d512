/**
 * A local cluster for the cluster suites: one throwaway `redis-server` and N real server.ts
 * nodes (production build, as `npm start` runs it) on that Redis, each on a port fixed up front,
 * so a node can be SIGKILLed and started again where clients and proxies expect it.
 *
 * Every node gets the same NEXTAUTH_SECRET (a session cookie from one node works on the others,
 * as behind a load balancer), SOCKET_ALLOWED_ORIGINS listing every node's origin (plus any
 * `extraOrigins`, e.g. a proxy a browser goes through), and the suite's own REDIS_KEY_PREFIX.
 * Traffic stays on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createGatewayEmitter, type GatewayEmitter } from 'socket-gateway/emitter';
import { events, type AppEvents } from '@/events';
import type { AppUser } from '@/server/gateway';
import { freePort, startAppServer, type AppServer } from './app-process';
import { startRedisServer, type RedisServer } from './redis-server';

/** The demo's emitter: typed by its events and its user. */
export type AppEmitter = GatewayEmitter<AppEvents, AppUser>;

export interface ClusterNode {
  /** 'A', 'B', … */
  name: string;
  port: number;
  url: string;
  /** The running process, or undefined while the node is down. */
  app: AppServer | undefined;
}

export interface ClusterOptions {
  /** How many server.ts nodes (default 2; the suites never run more than 2 at once). */
  nodes?: number;
  /** REDIS_KEY_PREFIX: one per test file. */
  keyPrefix: string;
  /** Extra environment for every node (limits, retention…). */
  env?: Record<string, string>;
  /** Origins allowed besides the nodes' own (a proxy a browser loads the app through). */
  extraOrigins?: string[];
  /** Extra environment for one node, e.g. NEXTAUTH_URL = the proxy its browser tab comes through. */
  nodeEnv?: (node: ClusterNode) => Record<string, string>;
}

export interface Cluster {
  redis: RedisServer;
  keyPrefix: string;
  nodes: ClusterNode[];
  /** Starts a node that is down, on its own port. */
  start(node: ClusterNode): Promise<void>;
  /** Sends `signal` (SIGTERM: graceful; SIGKILL: a crash) and waits until the process has exited. */
  kill(node: ClusterNode, signal?: NodeJS.Signals): Promise<number | null>;
  /** kill (SIGTERM by default) then start again on the same port. */
  restart(node: ClusterNode, signal?: NodeJS.Signals): Promise<void>;
  /** An emitter in this process (the same one a worker uses), closed with the cluster. */
  emitter(): Promise<AppEmitter>;
  /** `npm run emit -- …args` as a separate process on this cluster's Redis and prefix. */
  npmEmit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Stops every node, the emitters and Redis. */
  stop(): Promise<void>;
}

export const CLUSTER_DEMO_USERS = 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin';

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { nodes: count = 2, keyPrefix, env = {}, extraOrigins = [], nodeEnv = () => ({}) } = options;
  if (count > 2) throw new Error('at most 2 nodes at once on this machine');
  const redis = await startRedisServer();
  const secret = randomBytes(32).toString('base64url');
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i += 1) {
    const port = await freePort();
    nodes.push({ name: String.fromCharCode(65 + i), port, url: `http://127.0.0.1:${port}`, app: undefined });
  }
  const origins = [...nodes.map((node) => node.url), ...extraOrigins].join(',');
  const emitters: GatewayEmitter<AppEvents, AppUser>[] = [];

  const start = async (node: ClusterNode) => {
    if (node.app) throw new Error(`node ${node.name} is already running`);
    node.app = await startAppServer({
      HOSTNAME: '127.0.0.1',
      PORT: String(node.port),
      NEXTAUTH_URL: node.url,
      NEXTAUTH_SECRET: secret,
      SOCKET_ALLOWED_ORIGINS: origins,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: keyPrefix,
      REDIS_CONNECT_TIMEOUT_MS: '30000', // a loaded machine (load 12) took over 5 s to connect at start
      DEMO_USERS: CLUSTER_DEMO_USERS,
      // The suites send more than a person would: the rate limits are not what they test.
      EMIT_RATE_PER_SECOND: '100000',
      EMIT_RATE_BURST: '100000',
      RECIPIENT_RATE_PER_SECOND: '100000',
      RECIPIENT_RATE_BURST: '100000',
      SOCKET_HANDSHAKE_RATE_PER_SECOND: '100000',
      SOCKET_HANDSHAKE_RATE_BURST: '100000',
      PRESENCE_LOOKUP_RATE_PER_SECOND: '100000',
      PRESENCE_LOOKUP_RATE_BURST: '100000',
      SHUTDOWN_TIMEOUT_MS: '3000',
      ...env,
      ...nodeEnv(node),
    });
  };
  const kill = async (node: ClusterNode, signal: NodeJS.Signals = 'SIGTERM') => {
    const app = node.app;
    node.app = undefined;
    return app ? app.stop(signal) : null;
  };

  const cluster: Cluster = {
    redis,
    keyPrefix,
    nodes,
    start,
    kill,
    async restart(node, signal = 'SIGTERM') {
      await kill(node, signal);
      await start(node);
    },
    async emitter() {
      const emitter = await createGatewayEmitter<AppEvents, AppUser>({ events, redisUrl: redis.url, keyPrefix });
      emitters.push(emitter);
      return emitter;
    },
    npmEmit(args) {
      return new Promise((resolve, reject) => {
        const child = spawn('npm', ['run', '--silent', 'emit', '--', ...args], {
          env: { ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix, NODE_ENV: 'production' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    async stop() {
      await Promise.all(emitters.splice(0).map((emitter) => emitter.close().catch(() => undefined)));
      await Promise.all(nodes.map((node) => kill(node, 'SIGTERM')));
      await redis.stop();
    },
  };
  try {
    // One at a time: two cold Next servers starting together on 2 cores only slow each other down.
    for (const node of nodes) await start(node);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
