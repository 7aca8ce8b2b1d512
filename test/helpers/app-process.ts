/**
 * The real app: server.ts in production mode (Next + Socket.IO on one port) as a child
 * process, spoken to over HTTP the way a browser would (next-auth credentials flow, tRPC over
 * fetch).
 *
 * Imports nothing from vitest: the benchmark (bench/e2e.ts) runs it under plain node too.
 * The vitest-bound `useAppServer` lives in ./app-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { io as connect } from 'socket.io-client';
import type { TestClient } from './socket-server';

export interface AppServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
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

/** A signed-in HTTP session: next-auth's credentials flow, then tRPC calls with the cookie. */
export interface Session {
  cookie: string;
  query<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>>;
  mutate<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>>;
  signOut(): Promise<void>;
}

export type TrpcResult<T> = { ok: true; data: T } | { ok: false; code: string; message: string; status: number };

function cookiesFrom(response: Response, jar: Map<string, string>): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

async function trpcCall<T>(baseUrl: string, jar: Map<string, string>, kind: 'query' | 'mutation', path: string, input: unknown) {
  const url = new URL(`/api/trpc/${path}`, baseUrl);
  const init: RequestInit = { headers: { cookie: cookieHeader(jar) } };
  if (kind === 'query') {
    if (input !== undefined) url.searchParams.set('input', JSON.stringify(input));
  } else {
    init.method = 'POST';
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(input ?? null);
  }
  const response = await fetch(url, init);
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string; data: { code: string } } };
  if (body.error) return { ok: false as const, code: body.error.data.code, message: body.error.message, status: response.status };
  return { ok: true as const, data: body.result?.data as T };
}

export async function signIn(baseUrl: string, username: string, password = 'demo'): Promise<Session> {
  const jar = new Map<string, string>();
  const csrfResponse = await fetch(new URL('/api/auth/csrf', baseUrl));
  cookiesFrom(csrfResponse, jar);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const login = await fetch(new URL('/api/auth/callback/credentials', baseUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true' }),
  });
  cookiesFrom(login, jar);
  if (![...jar.keys()].some((name) => name.includes('next-auth.session-token'))) {
    throw new Error(`sign-in as ${username} failed (HTTP ${login.status})`);
  }
  return sessionFromJar(baseUrl, jar);
}

/** A session that presents `cookie` (for example one copied out of another session). */
export function sessionWithCookie(baseUrl: string, cookie: string): Session {
  const jar = new Map<string, string>();
  for (const pair of cookie.split('; ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return sessionFromJar(baseUrl, jar);
}

function sessionFromJar(baseUrl: string, jar: Map<string, string>): Session {
  return {
    get cookie() {
      return cookieHeader(jar);
    },
    query: (path, input) => trpcCall(baseUrl, jar, 'query', path, input),
    mutate: (path, input) => trpcCall(baseUrl, jar, 'mutation', path, input),
    async signOut() {
      const { csrfToken: token } = (await (await fetch(new URL('/api/auth/csrf', baseUrl), { headers: { cookie: cookieHeader(jar) } })).json()) as {
        csrfToken: string;
      };
      const response = await fetch(new URL('/api/auth/signout', baseUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
        body: new URLSearchParams({ csrfToken: token, json: 'true' }),
      });
      cookiesFrom(response, jar);
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
