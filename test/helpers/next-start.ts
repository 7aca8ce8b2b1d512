/**
 * The production app under `next start` alone (no server.ts: no Socket.IO server), as a platform
 * that runs only Next serves it, and the emit CLI as a second process (a worker, a cron job).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './app-process';

export interface NextStart {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `next start` on a free port (the production build; no server.ts), ready once /api/health answers. */
export async function startNextOnly(env: Record<string, string>, port?: number): Promise<NextStart> {
  port ??= await freePort();
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', 'localhost'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOSTNAME: 'localhost',
      NEXTAUTH_URL: `http://localhost:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
      DEMO_USERS: 'alice:demo:user,bob:demo:user,carol:demo:user',
      DATABASE_PATH: ':memory:',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    const ok = await fetch(`${url}/api/auth/csrf`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`next start not ready within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      // Open event streams may hold a graceful stop: a test that failed mid-stream still ends.
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A second process: the emit CLI, as a worker or a cron job runs it. */
export async function emitFromCli(redisUrl: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emit.ts', ...args], {
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`emit exited with ${code}: ${output}`);
}
