import { describe, expect, it } from 'vitest';
import { loadSocketServerConfig } from '@/socket-gateway/config';
import { parseDemoUsers, verifyDemoCredentials } from '@/server/demo-users';
import { prepareAuthEnv } from '@/server/secrets';

describe('socket server config', () => {
  it('defaults to the app origin and safe limits', () => {
    expect(loadSocketServerConfig({ NEXTAUTH_URL: 'https://app.example.com/x' })).toEqual({
      allowedOrigins: ['https://app.example.com'],
      maxConnectionsPerUser: 10,
      maxPayloadBytes: 16384,
      floodMaxEvents: 20,
      floodWindowMs: 10000,
    });
  });

  it('reads overrides and names the variable on bad values', () => {
    const config = loadSocketServerConfig({ SOCKET_ALLOWED_ORIGINS: 'https://a.test, http://b.test:8080', SOCKET_MAX_CONNECTIONS_PER_USER: '3' });
    expect(config.allowedOrigins).toEqual(['https://a.test', 'http://b.test:8080']);
    expect(config.maxConnectionsPerUser).toBe(3);
    expect(() => loadSocketServerConfig({ SOCKET_MAX_PAYLOAD_BYTES: '-1' })).toThrow(/SOCKET_MAX_PAYLOAD_BYTES/);
    expect(() => loadSocketServerConfig({ SOCKET_ALLOWED_ORIGINS: 'not a url' })).toThrow(/SOCKET_ALLOWED_ORIGINS/);
  });
});

describe('auth environment', () => {
  it('refuses to start in production without NEXTAUTH_SECRET', () => {
    expect(() => prepareAuthEnv({}, { dev: false, port: 3000, hostname: 'localhost' })).toThrow(/NEXTAUTH_SECRET is not set/);
  });

  it('generates a development secret and the app URL', () => {
    const env: Record<string, string | undefined> = {};
    expect(prepareAuthEnv(env, { dev: true, port: 4000, hostname: '0.0.0.0' })).toEqual({ generatedSecret: true });
    expect(env.NEXTAUTH_SECRET?.length).toBeGreaterThanOrEqual(32);
    expect(env.NEXTAUTH_URL).toBe('http://localhost:4000');
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

  it('parses DEMO_USERS and rejects malformed entries', () => {
    expect(parseDemoUsers('dan:pw, eve:pw2:admin')).toEqual([
      { id: 'dan', password: 'pw', role: 'user' },
      { id: 'eve', password: 'pw2', role: 'admin' },
    ]);
    expect(() => parseDemoUsers('dan')).toThrow(/DEMO_USERS/);
    expect(() => parseDemoUsers('dan:pw:root')).toThrow(/DEMO_USERS/);
  });
});
