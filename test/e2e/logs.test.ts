/**
 * Structured logs on the production build (issue 13): the server's output is JSON lines, with
 * one line for a refused handshake (with its reason), a garbage session cookie, a sign-out
 * revocation and the shutdown; and no minted socket token, session cookie value,
 * NEXTAUTH_SECRET or METRICS_TOKEN appears anywhere in it.
 */
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { pollingRequest } from '../helpers/raw-client';

const NEXTAUTH_SECRET = 'e2e-logs-nextauth-secret-0123456789abcdefXYZ';
const METRICS_TOKEN = 'e2e-logs-metrics-token-0123456789abcdefXYZ';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Line = Record<string, unknown>;

describe('structured logs', () => {
  const suite = useAppServer({ NEXTAUTH_SECRET, METRICS_TOKEN });

  it('one JSON line per refused handshake, garbage cookie, sign-out and shutdown; no token, cookie or secret anywhere', async () => {
    const alice = await suite.signIn('alice');
    const minted = await alice.query<{ token: string }>('socket.token');
    if (!minted.ok) throw new Error(minted.message);
    const sessionCookie = /next-auth\.session-token=([^;]+)/.exec(alice.cookie)![1]!;
    await suite.openTab(alice);

    // Refused handshakes: a garbage token (unauthorized), a foreign browser origin.
    const refused = connect(suite.app.url, { auth: { token: 'garbage' }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((resolve) => refused.once('connect_error', resolve));
    refused.close();
    expect((await pollingRequest(suite.app.url, { origin: 'https://evil.example' })).status).toBe(403);
    // A garbage session cookie.
    await fetch(new URL('/api/trpc/room.mine', suite.app.url), { headers: { cookie: 'next-auth.session-token=garbage' } });
    // A request to the metrics with the right token (it must not be echoed).
    expect((await fetch(new URL('/api/metrics', suite.app.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    await alice.signOut();
    await sleep(300);
    expect(await suite.app.stop()).toBe(0);

    const output = suite.app.output();
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    const records = lines.map((line) => JSON.parse(line) as Line);
    console.log(`[logs] ${records.length} JSON lines, ${output.split('\n').filter((l) => l && !l.startsWith('{')).length} other lines`);
    for (const record of records) {
      expect(record).toHaveProperty('level');
      expect(typeof record.time).toBe('number');
      expect(typeof record.msg).toBe('string');
    }
    const find = (fields: Line) => records.find((record) => Object.entries(fields).every(([key, value]) => record[key] === value));
    expect(find({ event: 'ready' })).toBeDefined();
    expect(find({ event: 'handshake_refused', outcome: 'unauthorized', reason: 'Unauthorized', level: 'info' })).toBeDefined();
    expect(find({ event: 'handshake_refused', outcome: 'origin', reason: 'Origin not allowed' })).toBeDefined();
    expect(records.some((record) => record.event === 'auth' && String(record.msg).includes('JWT_SESSION_ERROR'))).toBe(true);
    expect(find({ event: 'sign_out_revocation', userId: 'alice' })).toBeDefined();
    expect(find({ event: 'shutdown', phase: 'draining', signal: 'SIGTERM' })).toBeDefined();
    expect(find({ event: 'shutdown', phase: 'closed' })).toBeDefined();

    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    for (const [what, secret] of [
      ['minted socket token', minted.data.token],
      ['session cookie value', sessionCookie],
      ['NEXTAUTH_SECRET', NEXTAUTH_SECRET],
      ['METRICS_TOKEN', METRICS_TOKEN],
    ] as const) {
      expect(output.includes(secret), `${what} appears in the log`).toBe(false);
    }
  });
});
