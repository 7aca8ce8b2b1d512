/**
 * Every setting of the app, in one zod schema, parsed ONCE at start-up (server.ts calls
 * `initEnv()` before Next prepares). A malformed value stops start-up with a message that
 * names the variable and the rule.
 *
 * Code that Next bundles (tRPC procedures, route handlers) gets its own copy of this module,
 * so the parsed settings live on `globalThis` and `getEnv()` reads them from there; in a
 * process that never called `initEnv()` (a test, a worker) the first `getEnv()` parses
 * `process.env` itself.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SocketServerLimits } from 'socket-gateway/advanced';
import { EVENT_FRAME_ALLOWANCE } from 'socket-gateway/advanced';
import { appSlot } from '@/server/process-holder';

/** Environment variables, as `process.env` holds them. */
export type RawEnv = Record<string, string | undefined>;

/** Secrets that production refuses: well-known placeholders from docs and examples. */
const PLACEHOLDER_SECRETS = new Set(['changeme', 'change-me', 'secret', 'password', 'nextauth_secret', 'your-secret', 'replace-me', 'development', 'test']);
export const MIN_SECRET_LENGTH = 32;
const DEFAULT_DEMO_USERS = 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin';

/** An optional whole number: undefined when unset (a default computed in parseEnv). */
const optionalInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });

const int = (min: number, max: number, fallback: number) => optionalInt(min, max).transform((value) => value ?? fallback);

const optionalString = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw));

function parseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.origin === 'null' || !/^https?:$/.test(url.protocol) ? null : url.origin;
  } catch {
    return null;
  }
}

const originList = optionalString.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  const origins = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const parsed: string[] = [];
  for (const origin of origins) {
    const value = parseOrigin(origin);
    if (!value) {
      ctx.addIssue({ code: 'custom', message: `must list origins such as https://app.example.com, got ${JSON.stringify(origin)}` });
      return z.NEVER;
    }
    parsed.push(value);
  }
  return parsed.length ? parsed : undefined;
});

export type Role = 'user' | 'admin';
export interface DemoUser {
  id: string;
  password: string;
  role: Role;
}

/** `name:password[:user|admin]`, comma-separated. */
export function parseDemoUsers(spec: string): DemoUser[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, password, role = 'user', ...rest] = entry.split(':');
      if (!id || !password || rest.length > 0 || (role !== 'user' && role !== 'admin')) {
        throw new Error(`entries look like name:password[:user|admin], got ${JSON.stringify(entry)}`);
      }
      return { id, password, role };
    });
}

const demoUserList = optionalString.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  try {
    return parseDemoUsers(raw);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const urlString = optionalString.refine((raw) => raw === undefined || parseOrigin(raw) !== null, 'must be an http(s) URL such as https://app.example.com');
const redisUrl = optionalString.refine((raw) => raw === undefined || /^rediss?:\/\//.test(raw), 'must be a redis:// or rediss:// URL');

/** server.ts's accept queue (HTTP_LISTEN_BACKLOG); the bench's servers listen with it too. */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Every variable docs/configuration.md's environment table lists, with its rule and default. */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65_535, 3000),
  HOSTNAME: optionalString.transform((raw) => raw ?? 'localhost'),
  NEXTAUTH_SECRET: optionalString,
  NEXTAUTH_URL: urlString,
  SOCKET_TOKEN_SECRET: optionalString,
  SOCKET_TOKEN_TTL_SECONDS: int(1, 86_400, 300),
  SOCKET_ALLOWED_ORIGINS: originList,
  SOCKET_MAX_CONNECTIONS_PER_USER: int(1, 10_000, 10),
  SOCKET_MAX_PAYLOAD_BYTES: int(1, 100 * 1024 * 1024, 16 * 1024),
  SOCKET_FLOOD_MAX_EVENTS: int(1, 1_000_000, 20),
  SOCKET_FLOOD_WINDOW_MS: int(1, 3_600_000, 10_000),
  SOCKET_MAX_BACKLOG_BYTES: int(1024, 1024 * 1024 * 1024, 1024 * 1024),
  MAX_ROOMS_PER_USER: int(1, 10_000, 50),
  ROOMS_CREATED_PER_HOUR: int(1, 1_000_000, 10),
  ROOM_HISTORY_ABANDONED_TTL_MS: int(60_000, 365 * 86_400_000, 3_600_000),
  EVENT_MAX_BYTES: int(64, 1024 * 1024 * 1024, 64 * 1024),
  ROOM_HISTORY_MAX_MESSAGES: int(1, 10_000, 100),
  EMIT_RATE_PER_SECOND: int(1, 100_000, 10),
  EMIT_RATE_BURST: int(1, 100_000, 20),
  RECIPIENT_RATE_PER_SECOND: int(1, 100_000, 20),
  RECIPIENT_RATE_BURST: int(1, 100_000, 40),
  // Presence (src/socket-gateway/server/presence-announcer.ts, server/handshake-rate-limit.ts, the presence.user lookup).
  SOCKET_HANDSHAKE_RATE_PER_SECOND: int(1, 100_000, 2),
  SOCKET_HANDSHAKE_RATE_BURST: int(1, 100_000, 20),
  PRESENCE_GRACE_MS: int(0, 600_000, 3_000),
  PRESENCE_NODE_LOSS_GRACE_MS: int(0, 600_000, 10_000),
  PRESENCE_LOOKUP_RATE_PER_SECOND: int(1, 100_000, 5),
  PRESENCE_LOOKUP_RATE_BURST: int(1, 100_000, 20),
  SHUTDOWN_TIMEOUT_MS: int(1, 600_000, 10_000),
  DEMO_USERS: demoUserList,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: optionalString.transform((raw) => raw ?? 'sg:'),
  REDIS_CONNECT_TIMEOUT_MS: int(100, 600_000, 10_000),
  DATABASE_PATH: optionalString.transform((raw) => raw ?? '.data/gateway.sqlite'),
  EVENT_LOG_RETENTION_MS: int(120_000, 86_400_000, 120_000),
  EVENT_LOG_MAX_ENTRIES: int(1_000, 10_000_000, 100_000),
  // HTTP limits (src/server/http/*, wired in server.ts).
  API_MAX_BODY_BYTES: int(1, 100 * 1024 * 1024, 64 * 1024),
  HTTP_MAX_BODY_BYTES: int(1, 1024 * 1024 * 1024, 1024 * 1024),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 600_000, 20_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 3_600_000, 60_000),
  HTTP_MAX_CONNECTIONS: optionalInt(1, 10_000_000),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: optionalInt(1, 10_000_000),
  HTTP_LISTEN_BACKLOG: int(1, 65_535, DEFAULT_LISTEN_BACKLOG),
  TRUST_PROXY: int(0, 10, 0),
  TRPC_MAX_BATCH_SIZE: int(1, 1000, 10),
  // Events over tRPC subscriptions (server-sent events; src/server/event-streams.ts).
  REALTIME_TRANSPORT: z.enum(['socket', 'sse'], { error: 'must be socket or sse' }).default('socket'),
  SSE_MAX_DURATION_MS: int(1000, 86_400_000, 300_000),
  SSE_MAX_STREAMS_PER_USER: int(1, 10_000, 8),
  // Engine.IO sessions (src/socket-gateway/server/handshake-limits.ts).
  SOCKET_MAX_CONNECTIONS: int(1, 10_000_000, 20_000),
  SOCKET_MAX_UNAUTHENTICATED: int(1, 10_000_000, 1000),
  SOCKET_MAX_UNAUTHENTICATED_PER_ADDRESS: int(1, 10_000_000, 256),
  // Sign-in throttling (src/server/http/sign-in-throttle.ts).
  SIGN_IN_MAX_FAILURES_PER_USERNAME: int(1, 1_000_000, 5),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: int(1, 1_000_000, 20),
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT: int(1, 1_000_000, 50),
  SIGN_IN_THROTTLE_WINDOW_MS: int(1000, 86_400_000, 60_000),
  // Observability (src/socket-gateway/observability/metrics.ts, src/app/api/metrics).
  METRICS_TOKEN: optionalString,
  METRICS_PORT: optionalInt(0, 65_535),
  METRICS_HOSTNAME: optionalString.transform((raw) => raw ?? '127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  // Benchmarks only (bench/parts/http.ts): the no-op route src/app/api/bench-noop.
  BENCH_NOOP_ROUTE: optionalString.refine((raw) => raw === undefined || raw === '0' || raw === '1', 'must be 1 (on) or 0 (off)'),
});

/** Files and sockets this process may hold open at once (the soft limit), or undefined where unknown. */
export function readOpenFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** HTTP_MAX_CONNECTIONS without a value: the open-file limit less a reserve (10%, at least 64) for files, logs and outgoing connections. */
export function defaultMaxConnections(openFileLimit: number | undefined): number {
  if (openFileLimit === undefined) return 10_000;
  return Math.max(16, openFileLimit - Math.max(64, Math.ceil(openFileLimit / 10)));
}

export interface Env {
  dev: boolean;
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  hostname: string;
  /** The app's public URL (next-auth callbacks, the default allowed socket origin). */
  appUrl: string;
  appOrigin: string;
  nextAuthSecret: string;
  /** True when a throwaway NEXTAUTH_SECRET was generated (development only). */
  generatedSecret: boolean;
  socketToken: { secret?: string; ttlSeconds: number };
  socket: SocketServerLimits & { allowedOrigins: string[] };
  maxRoomsPerUser: number;
  /** How many new rooms (joined as their first member) one user may open per hour. */
  roomsCreatedPerHour: number;
  /** A room's history is dropped once the room has had no member for this long. */
  roomHistoryAbandonedTtlMs: number;
  /** Largest payload an emit may carry, in bytes of JSON (below the socket backlog cap). */
  maxEventBytes: number;
  /** How many of a room's latest messages `room.history` keeps (older ones are dropped as new ones come). */
  roomHistoryLimit: number;
  /** Token buckets: emits per user (notification.send, room.post, announcement.broadcast) and notifications per recipient. */
  rateLimits: { emit: { ratePerSecond: number; burst: number }; recipient: { ratePerSecond: number; burst: number } } & {
    /** Socket handshakes per user (across nodes) and `presence.user` lookups per caller. */
    handshake: { ratePerSecond: number; burst: number };
    lookup: { ratePerSecond: number; burst: number };
  };
  /** How long a user must stay offline before their rooms are told (a reload or a node change within it says nothing). */
  presenceGraceMs: number;
  /** The same for the users of a node that died without a word (counted from when its lease ran out): time for all of them to reconnect elsewhere. */
  presenceNodeLossGraceMs: number;
  shutdownTimeoutMs: number;
  demoUsers: DemoUser[];
  redis?: { url: string; keyPrefix: string; connectTimeoutMs: number };
  /** The embedded database of a single node (`:memory:` for tests). */
  databasePath: string;
  /** How long missed events stay replayable (at least 2 min), and at most how many are kept. */
  eventLog: { retentionMs: number; maxEntries: number };
  /**
   * How many reverse proxies in front are trusted to append the client's address to
   * X-Forwarded-For (0: the client is the TCP peer; X-Forwarded-For is ignored).
   */
  trustProxy: number;
  http: {
    /** Request body cap on /api/auth/* and /api/trpc. */
    apiMaxBodyBytes: number;
    /** Request body cap everywhere else (except /socket.io, capped by SOCKET_MAX_PAYLOAD_BYTES). */
    maxBodyBytes: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** Open TCP connections the server holds at once (kept under the open-file limit). */
    maxConnections: number;
    /** Open TCP connections from one client address (not enforced when trustProxy > 0: the proxy is the peer). */
    maxConnectionsPerAddress: number;
    /** Connections the kernel queues for `accept` while the event loop is busy (capped by net.core.somaxconn). */
    listenBacklog: number;
  };
  trpc: { maxBatchSize: number };
  /**
   * The browser's transport (`socket`: Socket.IO, `sse`: the `socket.events` subscription), how long
   * one SSE response lasts before the client resumes, and how many streams a user may hold per node.
   */
  sse: { transport: 'socket' | 'sse'; maxDurationMs: number; maxStreamsPerUser: number };
  /** Engine.IO sessions on this server: in total, and those that have not authenticated yet. */
  handshake: { maxConnections: number; maxUnauthenticated: number; maxUnauthenticatedPerAddress: number };
  signIn: { maxFailuresPerUsername: number; maxFailuresPerAddress: number; maxFailuresPerAccount: number; windowMs: number };
  /** The bearer token /api/metrics answers to; unset: the endpoint is off (404). */
  metricsToken?: string;
  /** METRICS_PORT: a private listener serving only /metrics (src/server/http/metrics-listener.ts); unset: none. */
  metricsListen?: { port: number; hostname: string };
  /** pino level: `info` by default, `silent` in tests. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Whether /api/bench-noop answers (204, for the HTTP benchmark's baseline); off (404) unless BENCH_NOOP_ROUTE=1. */
  benchNoopRoute: boolean;
}

/** What parseEnv reads from the machine rather than the environment. */
export interface SystemLimits {
  openFileLimit?: number;
}

export class EnvError extends Error {
  override name = 'EnvError';
}

/** Why a secret is too weak for production, or null. */
export function weakSecretReason(secret: string): string | null {
  if (PLACEHOLDER_SECRETS.has(secret.trim().toLowerCase())) return 'is a well-known placeholder';
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters`;
  return null;
}

/** Parses and checks `raw`; throws an EnvError naming every bad variable. Pure: `raw` is not changed. */
export function parseEnv(raw: RawEnv, system: SystemLimits = { openFileLimit: readOpenFileLimit() }): Env {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new EnvError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const v = result.data;
  const dev = v.NODE_ENV !== 'production';
  const problems: string[] = [];

  let nextAuthSecret = v.NEXTAUTH_SECRET;
  let generatedSecret = false;
  if (!nextAuthSecret) {
    if (!dev) {
      problems.push(
        'NEXTAUTH_SECRET is not set. Production needs a fixed secret for sessions and socket tokens; ' + 'generate one with `openssl rand -base64 32`',
      );
    }
    nextAuthSecret = randomBytes(32).toString('base64url');
    generatedSecret = true;
  }
  if (!dev && !generatedSecret) {
    const weak = weakSecretReason(nextAuthSecret);
    if (weak) problems.push(`NEXTAUTH_SECRET ${weak}; generate one with \`openssl rand -base64 32\``);
  }
  if (v.SOCKET_TOKEN_SECRET !== undefined) {
    const weak = weakSecretReason(v.SOCKET_TOKEN_SECRET);
    if (weak) problems.push(`SOCKET_TOKEN_SECRET ${weak}`);
  }
  if (v.METRICS_TOKEN !== undefined) {
    const weak = weakSecretReason(v.METRICS_TOKEN);
    if (weak) problems.push(`METRICS_TOKEN ${weak}; generate one with \`openssl rand -base64 32\``);
  }

  const host = v.HOSTNAME === '0.0.0.0' || v.HOSTNAME === '::' ? 'localhost' : v.HOSTNAME;
  const appUrl = v.NEXTAUTH_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${v.PORT}`;
  const appOrigin = parseOrigin(appUrl);
  if (!appOrigin) problems.push(`NEXTAUTH_URL must be an http(s) URL, got ${JSON.stringify(appUrl)}`);
  if (v.METRICS_PORT !== undefined && v.METRICS_PORT !== 0 && v.METRICS_PORT === v.PORT) {
    problems.push(`METRICS_PORT (${v.METRICS_PORT}) must differ from PORT: the metrics listener is a second, private address`);
  }
  if (v.EVENT_MAX_BYTES + EVENT_FRAME_ALLOWANCE > v.SOCKET_MAX_BACKLOG_BYTES) {
    problems.push(
      `EVENT_MAX_BYTES (${v.EVENT_MAX_BYTES}) plus ${EVENT_FRAME_ALLOWANCE} bytes of framing must not exceed SOCKET_MAX_BACKLOG_BYTES (${v.SOCKET_MAX_BACKLOG_BYTES}): one event would cut every recipient`,
    );
  }
  if (v.HTTP_HEADERS_TIMEOUT_MS > v.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(`HTTP_HEADERS_TIMEOUT_MS (${v.HTTP_HEADERS_TIMEOUT_MS}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${v.HTTP_REQUEST_TIMEOUT_MS})`);
  }
  const maxConnections = v.HTTP_MAX_CONNECTIONS ?? defaultMaxConnections(system.openFileLimit);
  // One address may hold at most a quarter of the server's connections: one host cannot lock out the rest.
  const maxConnectionsPerAddress = v.HTTP_MAX_CONNECTIONS_PER_ADDRESS ?? Math.max(8, Math.floor(maxConnections / 4));

  if (problems.length) throw new EnvError(`Invalid environment:\n  ${problems.join('\n  ')}`);
  return {
    dev,
    nodeEnv: v.NODE_ENV,
    port: v.PORT,
    hostname: v.HOSTNAME,
    appUrl,
    appOrigin: appOrigin!,
    nextAuthSecret,
    generatedSecret,
    socketToken: { secret: v.SOCKET_TOKEN_SECRET, ttlSeconds: v.SOCKET_TOKEN_TTL_SECONDS },
    socket: {
      allowedOrigins: v.SOCKET_ALLOWED_ORIGINS ?? [appOrigin!],
      maxConnectionsPerUser: v.SOCKET_MAX_CONNECTIONS_PER_USER,
      maxPayloadBytes: v.SOCKET_MAX_PAYLOAD_BYTES,
      floodMaxEvents: v.SOCKET_FLOOD_MAX_EVENTS,
      floodWindowMs: v.SOCKET_FLOOD_WINDOW_MS,
      maxBacklogBytes: v.SOCKET_MAX_BACKLOG_BYTES,
    },
    maxRoomsPerUser: v.MAX_ROOMS_PER_USER,
    roomsCreatedPerHour: v.ROOMS_CREATED_PER_HOUR,
    roomHistoryAbandonedTtlMs: v.ROOM_HISTORY_ABANDONED_TTL_MS,
    maxEventBytes: v.EVENT_MAX_BYTES,
    roomHistoryLimit: v.ROOM_HISTORY_MAX_MESSAGES,
    rateLimits: {
      emit: { ratePerSecond: v.EMIT_RATE_PER_SECOND, burst: v.EMIT_RATE_BURST },
      recipient: { ratePerSecond: v.RECIPIENT_RATE_PER_SECOND, burst: v.RECIPIENT_RATE_BURST },
      handshake: { ratePerSecond: v.SOCKET_HANDSHAKE_RATE_PER_SECOND, burst: v.SOCKET_HANDSHAKE_RATE_BURST },
      lookup: { ratePerSecond: v.PRESENCE_LOOKUP_RATE_PER_SECOND, burst: v.PRESENCE_LOOKUP_RATE_BURST },
    },
    presenceGraceMs: v.PRESENCE_GRACE_MS,
    presenceNodeLossGraceMs: v.PRESENCE_NODE_LOSS_GRACE_MS,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    // Production has no default accounts: only the ones DEMO_USERS lists explicitly.
    demoUsers: v.DEMO_USERS ?? (dev ? parseDemoUsers(DEFAULT_DEMO_USERS) : []),
    redis: v.REDIS_URL ? { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX, connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS } : undefined,
    databasePath: v.DATABASE_PATH,
    eventLog: { retentionMs: v.EVENT_LOG_RETENTION_MS, maxEntries: v.EVENT_LOG_MAX_ENTRIES },
    trustProxy: v.TRUST_PROXY,
    http: {
      apiMaxBodyBytes: v.API_MAX_BODY_BYTES,
      maxBodyBytes: v.HTTP_MAX_BODY_BYTES,
      headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections,
      maxConnectionsPerAddress,
      listenBacklog: v.HTTP_LISTEN_BACKLOG,
    },
    trpc: { maxBatchSize: v.TRPC_MAX_BATCH_SIZE },
    sse: { transport: v.REALTIME_TRANSPORT, maxDurationMs: v.SSE_MAX_DURATION_MS, maxStreamsPerUser: v.SSE_MAX_STREAMS_PER_USER },
    handshake: {
      maxConnections: v.SOCKET_MAX_CONNECTIONS,
      maxUnauthenticated: v.SOCKET_MAX_UNAUTHENTICATED,
      maxUnauthenticatedPerAddress: v.SOCKET_MAX_UNAUTHENTICATED_PER_ADDRESS,
    },
    signIn: {
      maxFailuresPerUsername: v.SIGN_IN_MAX_FAILURES_PER_USERNAME,
      maxFailuresPerAddress: v.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      maxFailuresPerAccount: v.SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
      windowMs: v.SIGN_IN_THROTTLE_WINDOW_MS,
    },
    metricsToken: v.METRICS_TOKEN,
    ...(v.METRICS_PORT === undefined ? {} : { metricsListen: { port: v.METRICS_PORT, hostname: v.METRICS_HOSTNAME } }),
    logLevel: v.LOG_LEVEL ?? (v.NODE_ENV === 'test' ? 'silent' : 'info'),
    benchNoopRoute: v.BENCH_NOOP_ROUTE === '1',
  };
}

const slot = appSlot<Env>('env');

/**
 * Start-up: parses `raw` once, keeps the result for every module copy, and writes the derived
 * NEXTAUTH_URL / NEXTAUTH_SECRET back into `raw` (next-auth reads them from process.env).
 */
export function initEnv(raw: RawEnv = process.env): Env {
  const env = parseEnv(raw);
  raw.NEXTAUTH_SECRET = env.nextAuthSecret;
  raw.NEXTAUTH_URL = env.appUrl;
  slot.set(env);
  return env;
}

/** The parsed settings (parsing process.env on first use where initEnv() never ran). */
export function getEnv(): Env {
  return slot.getOrCreate(() => initEnv(process.env));
}

/** Tests: forget the parsed settings so the next getEnv() parses process.env again. */
export function resetEnv(): void {
  slot.clear();
}
