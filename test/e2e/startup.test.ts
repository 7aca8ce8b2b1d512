/** Start-up of the real server.ts in production: a missing secret stops it with a clear message. */
import { describe, expect, it } from 'vitest';
import { startAppServer } from '../helpers/app-server';

describe('server.ts start-up (production)', () => {
  it('refuses to start without NEXTAUTH_SECRET, naming the variable and how to make one', async () => {
    const failure = await startAppServer({ NEXTAUTH_SECRET: '' }).then(
      async (app) => {
        await app.stop();
        return null;
      },
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/exited with 1 before it was ready/);
    expect(failure?.message).toMatch(/NEXTAUTH_SECRET is not set.*openssl rand -base64 32/s);
  });

  it('refuses a malformed setting instead of running with a guess', async () => {
    await expect(startAppServer({ SOCKET_MAX_CONNECTIONS_PER_USER: 'lots' })).rejects.toThrow(
      /SOCKET_MAX_CONNECTIONS_PER_USER must be a positive whole number/,
    );
    await expect(startAppServer({ SHUTDOWN_TIMEOUT_MS: 'soon' })).rejects.toThrow(/SHUTDOWN_TIMEOUT_MS must be a whole number from 1 to 600000/);
  });
});
