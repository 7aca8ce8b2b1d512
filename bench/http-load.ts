/**
 * The HTTP load generator of the `http` part (its own process, pinned to core 1): signs alice
 * and bob in, opens bob's socket (a light Engine.IO client over `ws`), then on request keeps
 * `inFlight` POSTs going for a while over a keep-alive agent and reports latencies:
 *
 * - `send`: alice's `notification.send` to bob the way the browser's tRPC client sends it
 *   (`httpBatchLink`: `?batch=1`, body `{"0":input}`, JSON, same-origin `Origin`); latency of
 *   the HTTP answer, and of the delivery on bob's socket (the e2e figure), matched by the
 *   message text `m<seq>`;
 * - `noop`: the same body and cookie to /api/bench-noop (BENCH_NOOP_ROUTE=1), which answers 204.
 *
 * No JSON.parse on the hot path: a status code check, and the message text cut out of the frame.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { signIn } from '../scripts/lib/demo-session';
import { monoMs } from './lib/protocol';
import { percentile } from './lib/stats';

export type HttpTarget = 'noop' | 'send';

export interface LoadStats {
  target: HttpTarget;
  inFlight: number;
  calls: number;
  errors: number;
  /** First refusal seen (status and body start), for the report. */
  firstError?: string;
  seconds: number;
  perSec: number;
  p50: number;
  p99: number;
  max: number;
  /** `send` only: HTTP start → event on bob's socket. */
  delivery?: { p50: number; p99: number; missing: number };
}

export type LoadCommand = { type: 'run'; id: number; target: HttpTarget; inFlight: number; durationMs: number; maxCalls?: number };
export type LoadReply = { type: 'ready' } | { type: 'result'; id: number; stats: LoadStats };

const baseUrl = process.env.BENCH_APP_URL ?? '';
const url = new URL(baseUrl);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** bob's socket: deliveries reported by message text. */
async function connectSocket(token: string, onMessage: (text: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, origin: url.origin });
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (frame: Buffer) => {
      const text = frame.toString();
      if (text === '2') socket.send('3');
      else if (text.startsWith('0')) socket.send(`40${JSON.stringify({ token })}`);
      else if (text.startsWith('40')) resolve();
      else if (text.startsWith('44')) reject(new Error(`socket refused: ${text}`));
      else if (text.startsWith('42["notification"')) {
        const start = text.indexOf('"message":"') + 11;
        onMessage(text.slice(start, text.indexOf('"', start)));
      }
    });
  });
  return socket;
}

function post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const status = res.statusCode ?? 0;
        // The body is read (the connection is reused only then) but kept only for a refusal.
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (status >= 300 && text.length < 300) text += chunk;
        });
        res.on('end', () => resolve({ status, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const [alice, bob] = await Promise.all([signIn(baseUrl, 'alice'), signIn(baseUrl, 'bob')]);
  const minted = await bob.query<{ token: string }>('socket.token');
  if (!minted.ok) throw new Error(`socket.token failed: ${minted.code}`);
  const sentAt = new Map<string, number>();
  const deliveries: number[] = [];
  await connectSocket(minted.data.token, (text) => {
    const t0 = sentAt.get(text);
    if (t0 === undefined) return;
    sentAt.delete(text);
    deliveries.push(monoMs() - t0);
  });
  const headers = { cookie: alice.cookie, 'content-type': 'application/json', origin: url.origin };
  let seq = 0;

  const run = async (command: Extract<LoadCommand, { type: 'run' }>): Promise<LoadStats> => {
    const latencies: number[] = [];
    deliveries.length = 0;
    sentAt.clear();
    let errors = 0;
    let firstError: string | undefined;
    let calls = 0;
    const started = monoMs();
    const until = started + command.durationMs;
    const maxCalls = command.maxCalls ?? Number.POSITIVE_INFINITY;
    const worker = async () => {
      while (monoMs() < until && calls < maxCalls) {
        calls += 1;
        const text = `m${seq++}`;
        const body = `{"0":{"toUserId":"bob","message":"${text}"}}`;
        const t0 = monoMs();
        if (command.target === 'send') sentAt.set(text, t0);
        const { status, text: refusal } =
          command.target === 'send' ? await post('/api/trpc/notification.send?batch=1', headers, body) : await post('/api/bench-noop', headers, body);
        latencies.push(monoMs() - t0);
        if (status !== (command.target === 'send' ? 200 : 204)) {
          errors += 1;
          sentAt.delete(text);
          firstError ??= `HTTP ${status} ${refusal.slice(0, 200)}`;
        }
      }
    };
    await Promise.all(Array.from({ length: command.inFlight }, worker));
    const seconds = (monoMs() - started) / 1000;
    let delivery: LoadStats['delivery'];
    if (command.target === 'send') {
      // Stragglers: every accepted call's event must reach bob's socket.
      const deadline = monoMs() + 5000;
      while (sentAt.size > 0 && monoMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      delivery = { p50: percentile(deliveries, 50), p99: percentile(deliveries, 99), missing: sentAt.size };
    }
    return {
      target: command.target,
      inFlight: command.inFlight,
      calls: latencies.length,
      errors,
      ...(firstError ? { firstError } : {}),
      seconds,
      perSec: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
      ...(delivery ? { delivery } : {}),
    };
  };

  process.on('message', (message: LoadCommand) => {
    if (message.type !== 'run') return;
    run(message).then(
      (stats) => process.send?.({ type: 'result', id: message.id, stats } satisfies LoadReply),
      (error: unknown) => {
        // The harness sees the exit (Child rejects its pending request).
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send?.({ type: 'ready' } satisfies LoadReply);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
