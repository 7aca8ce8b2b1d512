/**
 * A throwaway `redis-server` per suite (and per bench part): its own free port, no persistence,
 * killed at the end. Suites never rely on a Redis started by hand (its data, version and config
 * would leak in). Lives in scripts/lib so the tests (through test/helpers/redis-server.ts) and the
 * benchmark share one copy without importing each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port';

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server and waits until it has exited. */
  stop(): Promise<void>;
  /**
   * Stops, then starts a new server on the SAME port: all data is lost (no persistence), unless
   * `fromSnapshot` is given: then it starts from that RDB file, as a restore from a backup would.
   */
  restart(options?: { fromSnapshot?: Buffer }): Promise<void>;
  /** SAVE: the server's data now, as an RDB file (for `restart({ fromSnapshot })`). */
  snapshot(): Promise<Buffer>;
  flushAll(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that is connected but reads and answers nothing, then recovers. */
  pause(): void;
  resume(): void;
}

export interface RedisServerOptions {
  /**
   * Starts a one-node Redis Cluster owning every slot. A plain client still works against it, but
   * a command or script whose DECLARED keys hash to different slots fails with CROSSSLOT, as on a
   * real cluster. (Keys a script reaches without declaring them are not caught here: this node
   * serves every slot. Measured on 7.0.15.)
   * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model
   */
  cluster?: boolean;
}

const BINARY = 'redis-server';
const RDB_FILE = 'dump.rdb';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findBinary();
  // freePort() closes its probe before redis-server binds, so another process may take the port in
  // between; a fresh port is tried when that happens (only on the first start: restart keeps the port).
  let port = 0;
  let child: RunningRedis | undefined;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(binary, port, options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortInUseError)) throw error;
    }
  }
  let running: RunningRedis | undefined = child;

  const stop = async () => {
    const current = running;
    running = undefined;
    if (current) await current.stop();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart(restartOptions = {}) {
      await stop();
      running = await spawnRedis(binary, port, options, restartOptions.fromSnapshot);
    },
    async snapshot() {
      if (!running) throw new Error(`redis-server on port ${port} is not running`);
      await sendCommand(port, 'SAVE', '+OK');
      return readFileSync(join(running.dir, RDB_FILE));
    },
    pause() {
      if (!running) throw new Error(`redis-server on port ${port} is not running`);
      running.process.kill('SIGSTOP');
    },
    resume() {
      running?.process.kill('SIGCONT');
    },
    async flushAll() {
      if (!running) throw new Error(`redis-server on port ${port} is not running`);
      await sendCommand(port, 'FLUSHALL', '+OK');
    },
  };
}

interface RunningRedis {
  process: ChildProcess;
  /** Its working directory (where SAVE writes RDB_FILE). */
  dir: string;
  stop(): Promise<void>;
}

class PortInUseError extends Error {}

function findBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, BINARY);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  throw new Error('redis-server not found: apt-get install -y redis-server');
}

async function spawnRedis(binary: string, port: number, options: RedisServerOptions, rdb?: Buffer): Promise<RunningRedis> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dbfilename', RDB_FILE];
  // Its own temp folder as working directory: a cluster node writes its node table there, and a
  // restart must not find the previous run's slot table.
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  // Redis loads the RDB file it finds in its directory at start (whatever `--save` says).
  if (rdb) writeFileSync(join(dir, RDB_FILE), rdb);
  if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // If the test process dies without calling stop(), do not leave an orphaned server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError || hasExited) {
      await stop();
      const message = `redis-server on port ${port} exited before it answered PING: ${spawnError?.message ?? ''}\n${output}`;
      throw /Address already in use/i.test(output) ? new PortInUseError(message) : new Error(message);
    }
    try {
      await sendCommand(port, 'PING', '+PONG');
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  if (options.cluster) {
    // One node owning all 16384 slots: the cluster is "ok" at once, no other node is needed.
    await sendCommand(port, 'CLUSTER ADDSLOTSRANGE 0 16383', '+OK');
    await waitFor(async () => (await sendCommand(port, 'CLUSTER INFO', '')).includes('cluster_state:ok'), deadline);
  }
  return { process: child, dir, stop };
}

async function waitFor(check: () => Promise<boolean>, deadline: number): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('redis-server did not become ready in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Sends one inline command and resolves with the raw reply once it starts with `expected`.
 * Raw RESP keeps the helper free of any client library (the stores under test use node-redis).
 * @see https://redis.io/docs/latest/develop/reference/protocol-spec/#inline-commands
 */
function sendCommand(port: number, command: string, expected: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(10_000, () => fail(new Error(`${command}: no reply within 10 s`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const reply = received.toString();
      if (!reply.includes('\r\n')) return;
      // Bulk replies ($<len>) arrive in pieces: wait for the whole body before judging.
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (header && received.length < header[0].length + Number(header[1]) + 2) return;
      socket.end();
      if (reply.startsWith(expected)) resolve(reply);
      else reject(new Error(`${command}: unexpected reply ${JSON.stringify(reply.slice(0, 200))}`));
    });
  });
}
