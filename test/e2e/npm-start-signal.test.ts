/**
 * `npm start` and `npm run dev` under a supervisor: a SIGTERM (or SIGINT) sent to the npm
 * process, as Docker's `CMD ["npm", "start"]` or a process manager sends it, reaches the
 * server, which drains and exits; npm exits with it and nothing is left running.
 *
 * npm relays SIGINT/SIGTERM to the script's process only, and `sh -c` (dash) does not exec
 * the script's last command: without `exec` in the script, npm's relay ended the shell and
 * orphaned the server, which kept serving. `npm start` also runs the compiled
 * dist/server.mjs with plain node: no tsx loader, no esbuild child processes.
 * @see https://github.com/npm/run-script/blob/main/lib/signal-manager.js
 * @see https://docs.docker.com/reference/dockerfile/#exec-form
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, openSocket, signIn } from '../helpers/app-server';
import { nextDisconnect, type TestClient } from '../helpers/socket-server';

const hasProc = existsSync('/proc/self/stat');

interface NpmRun {
  npm: ChildProcess;
  /** The server's pid, from its "> Ready on ... pid N" line. */
  serverPid: number;
  url: string;
  output(): string;
  /** Resolves with npm's exit code, or rejects if npm is still running after `timeoutMs`. */
  exit(timeoutMs?: number): Promise<number | null>;
}

const runs: NpmRun[] = [];
const clients: TestClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
  // npm runs in its own process group (detached): a failed test leaves nothing behind.
  for (const run of runs.splice(0)) if (groupAlive(run.npm.pid!)) process.kill(-run.npm.pid!, 'SIGKILL');
});

/** Whether any process is left in the process group `pgid` (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function parentPid(pid: number): number {
  return Number(statFields(pid)[1]);
}

/** `pid command line` of every process in the group, for failure messages (Linux only). */
function describeGroup(pgid: number): string {
  if (!hasProc) return '(no /proc to list them)';
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        if (Number(statFields(Number(entry))[2]) !== pgid) return [];
        return [`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')}`];
      } catch {
        return []; // exited while we looked
      }
    })
    .join('\n');
}

function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((candidate) => {
      try {
        return parentPid(candidate) === pid;
      } catch {
        return false; // exited while we looked
      }
    });
}

async function startNpm(script: 'start' | 'dev', env: Record<string, string | undefined> = {}): Promise<NpmRun> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    // vitest sets NODE_ENV=test; `npm start` sets production itself, `npm run dev` must see none.
    NODE_ENV: undefined,
    PORT: String(port),
    HOSTNAME: 'localhost',
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: 'e2e-npm-start-secret-0123456789abcdefghi',
    DEMO_USERS: 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin',
    NEXT_TELEMETRY_DISABLED: '1',
    ...env,
  };
  const npm = spawn('npm', ['run', script], {
    env: childEnv as NodeJS.ProcessEnv, // undefined values are left out
    // Its own process group, like a terminal's foreground job: lets a test signal the whole
    // group (what Ctrl-C does) and afterEach clean up whatever is left.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const run: NpmRun = {
    npm,
    serverPid: 0,
    url,
    output: () => output,
    exit: (timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm run ${script} still running ${timeoutMs} ms after the signal:\n${output}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          resolve(code);
        });
      }),
  };
  runs.push(run);

  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run ${script} not ready within 90 s:\n${output}`)), 90_000);
    const onData = () => {
      const match = /> Ready on .* pid (\d+)\)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      npm.stdout?.off('data', onData);
      resolve(match);
    };
    npm.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm run ${script} exited with ${code} before it was ready:\n${output}`));
    });
  });
  run.serverPid = Number(ready[1]);
  return run;
}

/**
 * A sign-in POST whose body is held back until `finish()`: an in-flight request that keeps the
 * drain open meanwhile. `Expect: 100-continue` makes the server confirm it has the request.
 */
async function heldRequest(url: string) {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const body = 'username=bob&password=demo';
  socket.write(
    `POST /api/auth/callback/credentials HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  await waitFor(
    () => received.startsWith('HTTP/1.1 100 Continue'),
    () => `no 100 Continue: ${JSON.stringify(received)}`,
  );
  return { finish: () => socket.end(body) };
}

async function waitFor(done: () => boolean, failure: () => string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function expectStopped(run: NpmRun, signal: NodeJS.Signals): Promise<void> {
  expect(run.output()).toContain(`> ${signal}: shutting down`);
  expect(run.output()).toContain('> Closed cleanly');
  await expect(fetch(new URL('/api/health', run.url)), 'something still answers on the port').rejects.toThrow();
  // npm has exited; give any process it left a moment to go before calling it an orphan.
  const pgid = run.npm.pid!;
  await waitFor(
    () => !groupAlive(pgid),
    () => `processes of the npm run outlived it:\n${describeGroup(pgid)}\n${run.output()}`,
    2000,
  );
}

describe('npm start (compiled server, plain node)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the npm process drains and stops the server; nothing is orphaned', async (signal) => {
    const run = await startNpm('start');
    expect(run.serverPid).not.toBe(run.npm.pid);
    if (hasProc) {
      // npm → node directly (the shell exec'd it), running the bundle: no tsx, no esbuild children.
      expect(parentPid(run.serverPid)).toBe(run.npm.pid);
      expect(readFileSync(`/proc/${run.serverPid}/cmdline`, 'utf8').split('\0')).toEqual(['node', 'dist/server.mjs', '']);
      expect(childPids(run.serverPid)).toEqual([]);
    }

    const health = await fetch(new URL('/api/health', run.url));
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const tab = await openSocket(run.url, await signIn(run.url, 'alice'));
    clients.push(tab);
    const disconnected = nextDisconnect(tab);

    process.kill(run.npm.pid!, signal);
    expect(['transport close', 'io server disconnect']).toContain(await disconnected);
    expect(await run.exit(), run.output()).toBe(0);
    await expectStopped(run, signal);
  });

  // Ctrl-C in a terminal signals the whole foreground group, so the server gets SIGINT from
  // the terminal AND npm's relay of it, milliseconds apart: server.ts takes a repeat of the
  // same signal within 250 ms as the same request (before, 3 runs in 4 cut connections).
  it('Ctrl-C (SIGINT to the whole group) drains once, not "again: exiting now"', async () => {
    const run = await startNpm('start');
    const request = await heldRequest(run.url);
    process.kill(-run.npm.pid!, 'SIGINT');
    await waitFor(() => run.output().includes('> SIGINT: shutting down'), run.output);
    await new Promise((resolve) => setTimeout(resolve, 500)); // npm's relay lands within this
    request.finish();
    const code = await run.exit();
    expect(run.output()).not.toContain('SIGINT again');
    expect(code).toBe(0);
    await expectStopped(run, 'SIGINT');
  });
});

describe('npm run dev (tsx loader, one process)', () => {
  // Next dev adds its distDir's types to tsconfig.json when that is not the default; the
  // test uses the default (.next/dev) but must never leave the repo edited either way.
  let tsconfig = '';
  beforeAll(() => {
    tsconfig = readFileSync('tsconfig.json', 'utf8');
  });
  afterAll(() => {
    if (readFileSync('tsconfig.json', 'utf8') !== tsconfig) writeFileSync('tsconfig.json', tsconfig);
  });

  it('SIGTERM to the npm process stops the dev server; nothing is orphaned', async () => {
    // Dev output goes to <distDir>/dev, locked per distDir; the default keeps tsconfig.json as is.
    const run = await startNpm('dev', { NEXT_DIST_DIR: undefined });
    expect(run.output()).toContain('(development,');
    if (hasProc) expect(parentPid(run.serverPid)).toBe(run.npm.pid);

    process.kill(run.npm.pid!, 'SIGTERM');
    expect(await run.exit(), run.output()).toBe(0);
    await expectStopped(run, 'SIGTERM');
  });
});
