/**
 * End to end through the real app: server.ts in production mode (Next + Socket.IO on one
 * port). alice calls `notification.send` over HTTP; bob's socket (a light Engine.IO client
 * in this process) receives it. Latency = HTTP request start → delivery on bob's socket.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { signIn, startAppServer } from '../test/helpers/app-process';
import { pinProcess } from './lib/child';
import { monoMs } from './lib/protocol';
import { percentile } from './lib/stats';

export interface E2EPhase {
  calls: number;
  p50: number;
  p99: number;
  max: number;
  /** HTTP response time of the mutation itself. */
  httpP50: number;
  perSec: number;
}

export interface E2EResult {
  distDir: string;
  built: boolean;
  concurrency: number;
  sequential: E2EPhase;
  concurrent: E2EPhase;
}

export interface E2EOptions {
  calls: number;
  concurrency: number;
  warmup: number;
  distDir: string;
  rebuild: boolean;
  root: string;
  env: Record<string, string>;
  log: (line: string) => void;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds the app into `distDir` unless a build newer than every source file is there. */
export function ensureBuild(root: string, distDir: string, rebuild: boolean, log: (line: string) => void): boolean {
  const buildId = join(root, distDir, 'BUILD_ID');
  if (!rebuild && existsSync(buildId)) {
    const sources = Math.max(
      newestMtime(join(root, 'src')),
      ...['next.config.mjs', 'package-lock.json'].filter((f) => existsSync(join(root, f))).map((f) => newestMtime(join(root, f))),
    );
    if (statSync(buildId).mtimeMs >= sources) return false;
    log(`${distDir} is older than the sources: rebuilding`);
  }
  log(`building the app into ${distDir} (next build, once; later runs reuse it while it is newer than src/) ...`);
  // next build adds `<distDir>/types` to tsconfig.json's include; a bench run must not edit the repo.
  const tsconfig = join(root, 'tsconfig.json');
  const original = readFileSync(tsconfig, 'utf8');
  try {
    execFileSync('npx', ['next', 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: '1' },
    });
  } finally {
    if (readFileSync(tsconfig, 'utf8') !== original) writeFileSync(tsconfig, original);
  }
  return true;
}

/** bob's socket: a raw-ws Engine.IO client that reports each notification's message text. */
async function connectSocket(url: string, token: string, onMessage: (text: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
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

export async function runE2E(options: E2EOptions): Promise<E2EResult> {
  const { log } = options;
  const built = ensureBuild(options.root, options.distDir, options.rebuild, log);
  const app = await startAppServer({ ...options.env, NEXT_DIST_DIR: options.distDir });
  if (app.process.pid) pinProcess(app.process.pid, 0);
  let socket: WebSocket | undefined;
  try {
    const [alice, bob] = await Promise.all([signIn(app.url, 'alice'), signIn(app.url, 'bob')]);
    const minted = await bob.query<{ token: string }>('socket.token');
    if (!minted.ok) throw new Error(`socket.token failed: ${minted.code}`);
    const waiting = new Map<string, () => void>();
    socket = await connectSocket(app.url, minted.data.token, (text) => {
      const done = waiting.get(text);
      waiting.delete(text);
      done?.();
    });

    const call = async (text: string) => {
      const delivered = new Promise<number>((resolve) => waiting.set(text, () => resolve(monoMs())));
      const t0 = monoMs();
      const sent = await alice.mutate('notification.send', { toUserId: 'bob', message: text });
      const httpMs = monoMs() - t0;
      if (!sent.ok) throw new Error(`notification.send failed: ${sent.code} ${sent.message}`);
      const at = await withTimeout(delivered, 10_000, `no delivery of ${text}`);
      return { latency: at - t0, httpMs };
    };

    const phase = async (label: string, workers: number): Promise<E2EPhase> => {
      const latencies: number[] = [];
      const http: number[] = [];
      let next = 0;
      const started = monoMs();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < options.calls) {
            const i = next++;
            const r = await call(`${label}-${i}`);
            latencies.push(r.latency);
            http.push(r.httpMs);
          }
        }),
      );
      const seconds = (monoMs() - started) / 1000;
      return {
        calls: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
        httpP50: percentile(http, 50),
        perSec: latencies.length / seconds,
      };
    };

    for (let i = 0; i < options.warmup; i++) await call(`warm-${i}`);
    log(`e2e: ${options.calls} sequential calls ...`);
    const sequential = await phase('seq', 1);
    log(`e2e: ${options.calls} calls, ${options.concurrency} concurrent ...`);
    const concurrent = await phase('par', options.concurrency);
    return { distDir: options.distDir, built, concurrency: options.concurrency, sequential, concurrent };
  } finally {
    socket?.terminate();
    await app.stop();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise.finally(() => clearTimeout(timer)), new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
}
