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
    const env = parseEnv({ SOCKET_ALLOWED_ORIGINS: 'https://a.test, http://b.test:8080', SOCKET_MAX_CONNECTIONS_PER_USER: '3', SOCKET_TOKEN_TTL_SECONDS: '60' });
    expect(env.socket.allowedOrigins).toEqual(['https://a.test', 'http://b.test:8080']);
    expect(env.socket.maxConnectionsPerUser).toBe(3);
    expect(env.socketToken.ttlSeconds).toBe(60);
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

describe('demo users', () => {
  it('has alice, bob, carol and admin with password demo', () => {
    expect(verifyDemoCredentials('alice', 'demo')).toMatchObject({ id: 'alice', role: 'user' });
    expect(verifyDemoCredentials('admin', 'demo')).toMatchObject({ id: 'admin', role: 'admin' });
    expect(verifyDemoCredentials('alice', 'wrong')).toBeNull();
    expect(verifyDemoCredentials('mallory', 'demo')).toBeNull();
    expect(verifyDemoCredentials(undefined, 'demo')).toBeNull();
  });
});
