/**
 * Tools for the attack suites (test/e2e/attack-*.test.ts): raw HTTP over TCP (what no
 * well-behaved client sends), requests from another loopback address (127.0.0.2 … stand in
 * for other hosts), and the server's own memory and CPU read from /proc. Attack traffic goes
 * to 127.0.0.1 only.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as tcpConnect } from 'node:net';

/** The server's resident memory in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples the server's RSS every 100 ms while `work` runs; resolves with work's result and the peak. */
export async function withPeakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, rssMb(pid));
    } catch {
      // the process is gone: the caller's assertions say so
    }
  }, 100);
  try {
    const result = await work;
    peakMb = Math.max(peakMb, rssMb(pid));
    return { result, peakMb };
  } finally {
    clearInterval(timer);
  }
}

export interface RawResponse {
  /** Status code of the first response, or 0 when the connection closed without one. */
  status: number;
  headers: string;
  body: string;
  /** Body bytes the client managed to send. */
  sent: number;
}

function parseRaw(received: string, sent: number): RawResponse {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
  const end = received.indexOf('\r\n\r\n');
  return { status: status ? Number(status) : 0, headers: end < 0 ? received : received.slice(0, end), body: end < 0 ? '' : received.slice(end + 4), sent };
}

/**
 * Sends `head` (request line and headers, without the blank line) and then the body chunks
 * `body` yields, stopping as soon as the server answers or closes. Resolves once the server
 * has answered and closed (or after `timeoutMs`).
 */
export function rawRequest(
  port: number,
  head: string,
  body: Iterable<Buffer> = [],
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    let received = '';
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRaw(received, sent));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 60_000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One complete response with a Content-Length body is all these tests need.
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.on('connect', async () => {
      socket.write(`${head}\r\n\r\n`);
      for (const chunk of body) {
        if (done || received) break;
        sent += chunk.length;
        if (!socket.write(chunk)) {
          await new Promise<void>((next) => {
            socket.once('drain', next);
            socket.once('close', next);
          });
        }
      }
    });
  });
}

/** Chunked transfer encoding of `totalBytes` of 'x', in 64 KB chunks, generated lazily. */
export function* chunkedBody(totalBytes: number, fill = 'x'): Generator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  for (let sent = 0; sent < totalBytes; sent += chunk.length) yield frame;
  yield Buffer.from('0\r\n\r\n');
}

/** A plain HTTP request from a chosen local address (node:http: fetch cannot pick one). */
export function httpFrom(
  url: string,
  options: { localAddress?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function cookiesOf(headers: IncomingHttpHeaders): string[] {
  return (headers['set-cookie'] ?? []).map((line) => line.split(';', 1)[0]!);
}

/**
 * One attempt through next-auth's credentials flow (csrf, then the callback POST with
 * `json: true`), from `localAddress`. `error` is what next-auth hands the sign-in form
 * (`CredentialsSignin`, or the message authorize threw); null when it signed in.
 */
export async function signInAttempt(
  baseUrl: string,
  username: string,
  password: string,
  options: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<{ signedIn: boolean; error: string | null; status: number }> {
  const csrf = await httpFrom(new URL('/api/auth/csrf', baseUrl).toString(), { localAddress: options.localAddress, headers: options.headers });
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const response = await httpFrom(new URL('/api/auth/callback/credentials', baseUrl).toString(), {
    method: 'POST',
    localAddress: options.localAddress,
    headers: { ...options.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(csrf.headers).join('; ') },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true' }).toString(),
  });
  const signedIn = cookiesOf(response.headers).some((cookie) => /next-auth\.session-token=./.test(cookie));
  // next-auth answers the credentials POST with a redirect (or JSON { url }) whose `error` says why.
  let target = response.headers.location ?? '';
  if (!target && response.body.startsWith('{')) target = (JSON.parse(response.body) as { url?: string }).url ?? '';
  const error = target ? new URL(target, baseUrl).searchParams.get('error') : null;
  return { signedIn, error, status: response.status };
}
