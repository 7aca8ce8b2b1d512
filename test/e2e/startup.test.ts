/**
 * Start-up of the real server.ts in production: every setting is parsed once, before Next
 * prepares; a missing, weak or malformed one stops it with a message naming the variable.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signIn, startAppServer } from '../helpers/app-server';

/** Resolves with the start-up failure's message, or fails the test if the server started. */
async function startFailure(env: Record<string, string>): Promise<string> {
  const failure = await startAppServer(env).then(
    async (app) => {
      await app.stop();
      return null;
    },
    (error: unknown) => error as Error,
  );
  expect(failure, 'the server started although it should not').not.toBeNull();
  expect(failure?.message).toMatch(/exited with 1 before it was ready/);
  return failure?.message ?? '';
}

describe('server.ts start-up (production)', () => {
  it('refuses to start without NEXTAUTH_SECRET, naming the variable and how to make one', async () => {
    expect(await startFailure({ NEXTAUTH_SECRET: '' })).toMatch(/NEXTAUTH_SECRET is not set.*openssl rand -base64 32/s);
  });

  it.each([
    ['SOCKET_MAX_CONNECTIONS_PER_USER', 'lots', /SOCKET_MAX_CONNECTIONS_PER_USER must be a whole number from 1 to 10000, got "lots"/],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', /SHUTDOWN_TIMEOUT_MS must be a whole number from 1 to 600000/],
    ['SOCKET_TOKEN_TTL_SECONDS', 'soon', /SOCKET_TOKEN_TTL_SECONDS must be a whole number from 1 to 86400, got "soon"/],
    ['DEMO_USERS', 'mallory', /DEMO_USERS entries look like name:password\[:user\|admin\]/],
    ['NEXTAUTH_SECRET', 'changeme', /NEXTAUTH_SECRET is a well-known placeholder/],
  ])('refuses %s=%j instead of running with a guess', async (name, value, message) => {
    expect(await startFailure({ [name]: value })).toMatch(message);
  });

  it('reads NEXTAUTH_SECRET from .env.local the way Next does', async () => {
    // A copy of the project whose only secret is in .env.local (links to everything else).
    const dir = mkdtempSync(join(tmpdir(), 'sg-dotenv-'));
    try {
      for (const entry of readdirSync('.')) if (!entry.startsWith('.env')) symlinkSync(join(process.cwd(), entry), join(dir, entry));
      writeFileSync(join(dir, '.env.local'), 'NEXTAUTH_SECRET=from-dotenv-local-0123456789abcdef0123456789\n');
      const app = await startAppServer({ NEXTAUTH_SECRET: '' }, { cwd: dir });
      try {
        const alice = await signIn(app.url, 'alice');
        expect((await alice.query('socket.token')).ok).toBe(true);
      } finally {
        await app.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
