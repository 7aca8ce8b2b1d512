import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, type RawEnv } from '@/env';
import { verifyDemoCredentials } from '@/server/demo-users';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const production = (extra: RawEnv = {}): RawEnv => ({ NODE_ENV: 'production', NEXTAUTH_SECRET: secret, ...extra });

describe('parseEnv', () => {
  it('defaults to the app origin and safe limits', () => {
    const env = parseEnv({ NEXTAUTH_URL: 'https://app.example.com/x', NEXTAUTH_SECRET: secret });
    expect(env.socket).toEqual({
      allowedOrigins: ['https://app.example.com'],
      maxConnectionsPerUser: 10,
      maxPayloadBytes: 16384,
      floodMaxEvents: 20,
      floodWindowMs: 10000,
      maxBacklogBytes: 1048576,
    });
    expect(env).toMatchObject({ port: 3000, hostname: 'localhost', maxRoomsPerUser: 50, shutdownTimeoutMs: 10000, socketToken: { ttlSeconds: 300 } });
  });

  it('reads overrides', () => {
    const env = parseEnv({
      SOCKET_ALLOWED_ORIGINS: 'https://a.test, http://b.test:8080',
      SOCKET_MAX_CONNECTIONS_PER_USER: '3',
      SOCKET_TOKEN_TTL_SECONDS: '60',
    });
    expect(env.socket.allowedOrigins).toEqual(['https://a.test', 'http://b.test:8080']);
    expect(env.socket.maxConnectionsPerUser).toBe(3);
    expect(env.socketToken.ttlSeconds).toBe(60);
  });

  it('has presence settings: handshake and lookup rates per user, and the grace before "offline"', () => {
    const defaults = parseEnv({ NEXTAUTH_SECRET: secret });
    expect(defaults.rateLimits.handshake).toEqual({ ratePerSecond: 2, burst: 20 });
    expect(defaults.rateLimits.lookup).toEqual({ ratePerSecond: 5, burst: 20 });
    expect(defaults.presenceGraceMs).toBe(3000);
    expect(defaults.presenceNodeLossGraceMs).toBe(10000);
    const tuned = parseEnv({
      SOCKET_HANDSHAKE_RATE_PER_SECOND: '7',
      SOCKET_HANDSHAKE_RATE_BURST: '9',
      PRESENCE_LOOKUP_RATE_PER_SECOND: '1',
      PRESENCE_LOOKUP_RATE_BURST: '3',
      PRESENCE_GRACE_MS: '0',
      PRESENCE_NODE_LOSS_GRACE_MS: '4500',
    });
    expect(tuned.rateLimits.handshake).toEqual({ ratePerSecond: 7, burst: 9 });
    expect(tuned.rateLimits.lookup).toEqual({ ratePerSecond: 1, burst: 3 });
    expect(tuned.presenceGraceMs).toBe(0);
    expect(tuned.presenceNodeLossGraceMs).toBe(4500);
    expect(() => parseEnv({ SOCKET_HANDSHAKE_RATE_BURST: '0' })).toThrow('SOCKET_HANDSHAKE_RATE_BURST must be a whole number from 1 to 100000');
    expect(() => parseEnv({ PRESENCE_GRACE_MS: '600001' })).toThrow('PRESENCE_GRACE_MS must be a whole number from 0 to 600000');
    expect(() => parseEnv({ PRESENCE_NODE_LOSS_GRACE_MS: 'soon' })).toThrow('PRESENCE_NODE_LOSS_GRACE_MS must be a whole number from 0 to 600000');
  });

  it.each([
    ['SOCKET_TOKEN_TTL_SECONDS', 'soon', 'must be a whole number from 1 to 86400, got "soon"'],
    ['SOCKET_TOKEN_TTL_SECONDS', '0', 'must be a whole number from 1 to 86400'],
    ['SOCKET_MAX_PAYLOAD_BYTES', '-1', 'must be a whole number'],
    ['PORT', '70000', 'must be a whole number from 0 to 65535'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', 'must be a whole number from 1 to 600000'],
    ['SOCKET_ALLOWED_ORIGINS', 'not a url', 'must list origins'],
    ['NEXTAUTH_URL', 'ftp://x', 'must be an http(s) URL'],
    ['DEMO_USERS', 'dan', 'entries look like name:password[:user|admin]'],
    ['DEMO_USERS', 'dan:pw:root', 'entries look like name:password[:user|admin]'],
    ['REDIS_URL', 'localhost:6379', 'must be a redis:// or rediss:// URL'],
    ['NODE_ENV', 'staging', ''],
  ])('stops on %s=%j, naming the variable and the rule', (name, value, rule) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
    expect(() => parseEnv({ [name]: value })).toThrow(`${name} ${rule}`);
  });

  it('names every bad variable at once', () => {
    expect(() => parseEnv({ PORT: 'x', SOCKET_TOKEN_TTL_SECONDS: 'y' })).toThrow(/PORT[\s\S]*SOCKET_TOKEN_TTL_SECONDS/);
  });

  it('generates a development secret and the app URL', () => {
    const env = parseEnv({ PORT: '4000', HOSTNAME: '0.0.0.0' });
    expect(env.generatedSecret).toBe(true);
    expect(env.nextAuthSecret.length).toBeGreaterThanOrEqual(32);
    expect(env.appUrl).toBe('http://localhost:4000');
  });

  it('refuses to start in production without NEXTAUTH_SECRET', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/NEXTAUTH_SECRET is not set/);
  });

  it.each(['changeme', 'secret', 'CHANGEME', 'short-but-not-a-placeholder'])('refuses the weak production secret %j', (weak) => {
    expect(() => parseEnv(production({ NEXTAUTH_SECRET: weak }))).toThrow(/NEXTAUTH_SECRET (is a well-known placeholder|must be at least 32 characters)/);
  });

  it('has the metrics endpoint off without METRICS_TOKEN, and refuses a weak one', () => {
    expect(parseEnv({}).metricsToken).toBeUndefined();
    expect(parseEnv({ METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe('m'.repeat(32));
    expect(() => parseEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
  });

  it('has no metrics listener without METRICS_PORT; with it, loopback unless METRICS_HOSTNAME says otherwise', () => {
    expect(parseEnv({}).metricsListen).toBeUndefined();
    expect(parseEnv({ METRICS_PORT: '9464' }).metricsListen).toEqual({ port: 9464, hostname: '127.0.0.1' });
    expect(parseEnv({ METRICS_PORT: '0', METRICS_HOSTNAME: '10.0.0.5' }).metricsListen).toEqual({ port: 0, hostname: '10.0.0.5' });
    expect(() => parseEnv({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT must be a whole number from 0 to 65535/);
    expect(() => parseEnv({ METRICS_PORT: '3000', PORT: '3000' })).toThrow(/METRICS_PORT \(3000\) must differ from PORT/);
  });

  it('logs at info by default, silently in tests, at LOG_LEVEL when set', () => {
    expect(parseEnv({ NODE_ENV: 'development' }).logLevel).toBe('info');
    expect(parseEnv({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(parseEnv({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(() => parseEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('refuses a short SOCKET_TOKEN_SECRET', () => {
    expect(() => parseEnv({ SOCKET_TOKEN_SECRET: 'short' })).toThrow(/SOCKET_TOKEN_SECRET must be at least 32 characters/);
  });

  it('has the demo accounts in development only, unless DEMO_USERS lists them', () => {
    expect(parseEnv({}).demoUsers.map((user) => user.id)).toEqual(['alice', 'bob', 'carol', 'admin']);
    expect(parseEnv(production()).demoUsers).toEqual([]);
    expect(parseEnv(production({ DEMO_USERS: 'dan:pw, eve:pw2:admin' })).demoUsers).toEqual([
      { id: 'dan', password: 'pw', role: 'user' },
      { id: 'eve', password: 'pw2', role: 'admin' },
    ]);
  });
});

describe('hardening settings (issue 9)', () => {
  it('have defaults a normal user never meets', () => {
    const env = parseEnv({}, { openFileLimit: 1024 });
    expect(env.trustProxy).toBe(0);
    expect(env.http).toEqual({
      apiMaxBodyBytes: 65536,
      maxBodyBytes: 1048576,
      headersTimeoutMs: 20000,
      requestTimeoutMs: 60000,
      maxConnections: 1024 - 103, // the open-file limit less a 10% reserve
      maxConnectionsPerAddress: 230, // a quarter of it
      listenBacklog: 4096, // a node's whole reconnect wave queues for accept (Node's 511 overflowed in the storm)
    });
    expect(env.trpc).toEqual({ maxBatchSize: 10 });
    expect(env.sse).toEqual({ transport: 'socket', maxDurationMs: 300000, maxStreamsPerUser: 8 });
    expect(env.handshake).toEqual({ maxConnections: 20000, maxUnauthenticated: 1000, maxUnauthenticatedPerAddress: 256 });
    expect(env.signIn).toEqual({ maxFailuresPerUsername: 5, maxFailuresPerAddress: 20, maxFailuresPerAccount: 50, windowMs: 60000 });
  });

  it('keep connections under the open-file limit (at least 64 spare descriptors)', () => {
    expect(parseEnv({}, { openFileLimit: 256 }).http).toMatchObject({ maxConnections: 192, maxConnectionsPerAddress: 48 });
    expect(parseEnv({}, { openFileLimit: 1_048_576 }).http.maxConnections).toBe(943_718);
    expect(parseEnv({}, {}).http.maxConnections).toBe(10_000); // limit unknown
    expect(parseEnv({ HTTP_MAX_CONNECTIONS: '500', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '7' }, { openFileLimit: 256 }).http).toMatchObject({
      maxConnections: 500,
      maxConnectionsPerAddress: 7,
    });
  });

  it.each([
    ['API_MAX_BODY_BYTES', '0', 'must be a whole number from 1 to 104857600'],
    ['TRPC_MAX_BATCH_SIZE', 'many', 'must be a whole number from 1 to 1000'],
    ['SSE_MAX_DURATION_MS', '10', 'must be a whole number from 1000 to 86400000'],
    ['SSE_MAX_STREAMS_PER_USER', '0', 'must be a whole number from 1 to 10000'],
    ['REALTIME_TRANSPORT', 'carrier-pigeon', 'must be socket or sse'],
    ['TRUST_PROXY', 'true', 'must be a whole number from 0 to 10'],
    ['HTTP_MAX_CONNECTIONS', '-1', 'must be a whole number from 1 to 10000000'],
    ['HTTP_LISTEN_BACKLOG', '0', 'must be a whole number from 1 to 65535'],
    ['SIGN_IN_THROTTLE_WINDOW_MS', '10', 'must be a whole number from 1000 to 86400000'],
    ['SIGN_IN_MAX_FAILURES_PER_ACCOUNT', '0', 'must be a whole number from 1 to 1000000'],
  ])('refuses %s=%j', (name, value, rule) => {
    expect(() => parseEnv({ [name]: value })).toThrow(`${name} ${rule}`);
  });

  it('sign-in throttling: per username and address, per address, per account (all addresses)', () => {
    expect(parseEnv({}).signIn).toEqual({ maxFailuresPerUsername: 5, maxFailuresPerAddress: 20, maxFailuresPerAccount: 50, windowMs: 60_000 });
    expect(parseEnv({ SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '200' }).signIn.maxFailuresPerAccount).toBe(200);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS \(30000\) must not exceed HTTP_REQUEST_TIMEOUT_MS \(10000\)/,
    );
  });
});

describe('demo users', () => {
  it('has alice, bob, carol and admin with password demo', () => {
    expect(verifyDemoCredentials('alice', 'demo')).toMatchObject({ id: 'alice', role: 'user' });
    expect(verifyDemoCredentials('admin', 'demo')).toMatchObject({ id: 'admin', role: 'admin' });
    expect(verifyDemoCredentials('alice', 'wrong')).toBeNull();
    expect(verifyDemoCredentials('mallory', 'demo')).toBeNull();
    expect(verifyDemoCredentials(undefined, 'demo')).toBeNull();
  });
});

describe('storage and event bounds (issue 18)', () => {
  it('have documented defaults', () => {
    const env = parseEnv({});
    expect(env.maxEventBytes).toBe(65536);
    expect(env.roomsCreatedPerHour).toBe(10);
    expect(env.roomHistoryAbandonedTtlMs).toBe(3_600_000);
  });

  it('reads overrides', () => {
    const env = parseEnv({ EVENT_MAX_BYTES: '1000', ROOMS_CREATED_PER_HOUR: '3', ROOM_HISTORY_ABANDONED_TTL_MS: '60000' });
    expect([env.maxEventBytes, env.roomsCreatedPerHour, env.roomHistoryAbandonedTtlMs]).toEqual([1000, 3, 60_000]);
  });

  it('refuses an event bound that one event could use to cut a recipient (EVENT_MAX_BYTES + framing over SOCKET_MAX_BACKLOG_BYTES)', () => {
    expect(() => parseEnv({ EVENT_MAX_BYTES: '1048576' })).toThrow(
      /EVENT_MAX_BYTES \(1048576\) plus 1024 bytes of framing must not exceed SOCKET_MAX_BACKLOG_BYTES \(1048576\)/,
    );
    expect(() => parseEnv({ SOCKET_MAX_BACKLOG_BYTES: '32768' })).toThrow(/EVENT_MAX_BYTES \(65536\)/);
    expect(parseEnv({ EVENT_MAX_BYTES: String(1048576 - 1024) }).maxEventBytes).toBe(1047552);
  });
});
