/**
 * The real app: server.ts in production mode (Next + Socket.IO on one port) as a child
 * process, spoken to over HTTP the way a browser would (next-auth credentials flow, tRPC over
 * fetch).
 *
 * Imports nothing from vitest. The vitest-bound `useAppServer` lives in ./app-server. A free port
 * and the demo sign-in live in scripts/lib (the benchmark uses them too, and imports nothing from
 * test/); they are re-exported here so the suites' imports do not change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { io as connect } from 'socket.io-client';
import { freePort } from '../../scripts/lib/free-port';
import type { Session } from '../../scripts/lib/demo-session';
import type { TestClient } from './socket-server';

export { freePort } from '../../scripts/lib/free-port';
export { sessionWithCookie, signIn, type Session, type TrpcResult } from '../../scripts/lib/demo-session';

export interface AppServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  cwd?: string;
  /** Open-file limit of the server process (soft and hard, through prlimit), as `ulimit -n` would set it. */
  fdLimit?: number;
}

/** Starts server.ts on a free port, or on `env.PORT` when given (a restart on the same port). */
export async function startAppServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<AppServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOSTNAME: 'localhost',
    NEXTAUTH_URL: `http://localhost:${port}`,
    NEXT_TELEMETRY_DISABLED: '1',
    // Production has no default accounts: the suites name the demo ones explicitly.
    DEMO_USERS: 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin',
    // Each server its own state unless a suite names a file (a restart test reuses one).
    DATABASE_PATH: ':memory:',
    ...env,
  };
  // An empty value means "not set" (so a .env file may still provide it).
  for (const [name, value] of Object.entries(childEnv)) if (value === '') delete childEnv[name];
  const command = [process.execPath, '--import', 'tsx', 'server.ts'];
  // prlimit execs the command: the child's pid is the server's.
  if (options.fdLimit) command.unshift('prlimit', `--nofile=${options.fdLimit}:${options.fdLimit}`);
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server.ts did not start within 60 s:\n${output}`)), 60_000);
    const onData = () => {
      if (output.includes('> Ready on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server.ts exited with ${code} before it was ready:\n${output}`));
    });
  });

  return {
    url: `http://localhost:${port}`,
    port,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Opens a socket the way a browser tab does: mint a token with `socket.token`, then connect. */
export async function openSocket(baseUrl: string, session: Session, transport: 'websocket' | 'polling' = 'websocket'): Promise<TestClient> {
  const minted = await session.query<{ token: string; expiresAt: number }>('socket.token');
  if (!minted.ok) throw new Error(`socket.token failed: ${minted.code}`);
  const client: TestClient = connect(baseUrl, { auth: { token: minted.data.token }, transports: [transport], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return client;
}
