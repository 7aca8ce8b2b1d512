/**
 * Operations under hostile or broken surroundings, against the production build.
 * - L5: connections that never finish their request headers (or send nothing) no longer hold
 *   graceful shutdown: SIGTERM exits 0 without waiting for SHUTDOWN_TIMEOUT_MS. Before: the
 *   full timeout, exit 1.
 * - L6: when whoever reads the server's stdout/stderr goes away, logging no longer spins the
 *   process on EPIPE: it keeps serving, and one SIGTERM stops it. Before: 86% CPU, no answers.
 * - I8: a garbage session cookie logs one short line, not a ~1.5 KB stack trace per request.
 */
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../helpers/app-server';
import { cpuSeconds } from '../helpers/attack';

let app: AppServer | undefined;
const tcps: TcpSocket[] = [];

afterEach(() => {
  for (const socket of tcps.splice(0)) socket.destroy();
  if (app && app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
  app = undefined;
});

function exited(server: AppServer): Promise<number | null> {
  if (server.process.exitCode !== null) return Promise.resolve(server.process.exitCode);
  return new Promise((resolve) => server.process.once('exit', (code) => resolve(code)));
}

async function openTcp(port: number, send: string): Promise<TcpSocket> {
  const socket = tcpConnect(port, '127.0.0.1');
  tcps.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  if (send) socket.write(send);
  return socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('L5: stuck connections and graceful shutdown', () => {
  it('half-sent headers and a silent connection do not hold SIGTERM: exit 0 long before the timeout', async () => {
    app = await startAppServer({ SHUTDOWN_TIMEOUT_MS: '60000' });
    const server = app;
    const halfHeaders = await openTcp(server.port, `GET /signin HTTP/1.1\r\nHost: localhost:${server.port}\r\nX-Half: `);
    const silent = await openTcp(server.port, '');
    const closed = Promise.all([halfHeaders, silent].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    await sleep(300); // both accepted by the server
    const started = Date.now();
    server.process.kill('SIGTERM');
    const code = await exited(server);
    console.log(`[L5] SIGTERM with a half-headers and a silent connection (SHUTDOWN_TIMEOUT_MS=60000): exit ${code} after ${Date.now() - started} ms`);
    // A 60 s timeout that ran out would exit 1 with "Shutdown timed out".
    expect(code).toBe(0);
    expect(server.output()).toContain('> Closed cleanly');
    await closed;
  });
});

describe('L6: a broken stdout/stderr pipe', () => {
  it('keeps serving without spinning after its log reader goes away, and one SIGTERM stops it', async () => {
    app = await startAppServer();
    const server = app;
    const pid = server.process.pid!;
    // The reader goes away: the next write to stdout or stderr gets EPIPE.
    server.process.stdout!.destroy();
    server.process.stderr!.destroy();
    // Make it log, on stderr (garbage session cookies) and stdout.
    for (let i = 0; i < 5; i++) {
      await fetch(new URL('/api/trpc/room.mine', server.url), {
        headers: { cookie: `next-auth.session-token=garbage${i}` },
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
    }
    const cpuBefore = cpuSeconds(pid);
    await sleep(3000);
    const cpuShare = (cpuSeconds(pid) - cpuBefore) / 3;
    const health = await fetch(new URL('/api/health', server.url), { signal: AbortSignal.timeout(10_000) }).then(
      (r) => r.status,
      (error: Error) => error.message,
    );
    console.log(`[L6] stdout/stderr pipes gone: ${Math.round(cpuShare * 100)}% CPU over 3 s while idle, /api/health → ${health}`);
    expect(cpuShare).toBeLessThan(0.5);
    expect(health).toBe(200);
    server.process.kill('SIGTERM');
    const code = await Promise.race([exited(server), sleep(15_000).then(() => 'still running 15 s after SIGTERM')]);
    expect(code).toBe(0);
  });
});

describe('I8: garbage session cookies', () => {
  it('log one short line (no stack trace) for the first, and do not flood the log', async () => {
    app = await startAppServer();
    const server = app;
    const mark = server.output().length;
    await fetch(new URL('/api/trpc/room.mine', server.url), { headers: { cookie: 'next-auth.session-token=garbage' } });
    await sleep(300);
    const first = server.output().slice(mark);
    console.log(`[I8] one garbage cookie logged ${first.length} bytes: ${JSON.stringify(first.slice(0, 300))}`);
    expect(first.trim().split('\n')).toHaveLength(1);
    expect(first).toMatch(/JWT_SESSION_ERROR/);
    expect(first).not.toMatch(/\n\s+at /);
    expect(first.length).toBeLessThan(300);

    // 100 more (pages too, which read the session twice) within the minute add nothing.
    const before = server.output().length;
    for (let i = 0; i < 50; i++) {
      await fetch(new URL('/api/trpc/room.mine', server.url), { headers: { cookie: `next-auth.session-token=garbage${i}` } });
      await fetch(new URL('/signin', server.url), { headers: { cookie: `next-auth.session-token=garbage${i}` } });
    }
    await sleep(300);
    const flood = server.output().slice(before);
    console.log(`[I8] 100 more requests with garbage cookies logged ${flood.length} bytes`);
    expect(flood).toBe(''); // the same kind within the minute: left out
    expect(await server.stop()).toBe(0);
  });
});
