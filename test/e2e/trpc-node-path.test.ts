/**
 * /api/trpc as the production server answers it: server.ts's tRPC Node handler (socket-gateway/trpc),
 * before Next, against the production build. What the other suites do not already prove there
 * (attack-trpc-limits: batch cap, cross-site, no-store; attack-headers: security headers;
 * attack-request-bodies: body caps; revocation: a copied cookie after sign-out):
 * - a rate-limit refusal is 429 with `Retry-After`, `Cache-Control: no-store` and the security
 *   headers, and emits nothing;
 * - the session is read from the `Cookie` header as Next reads it: among other cookies, any
 *   spacing, a percent-encoded neighbour; a garbage session cookie is simply signed out (401);
 * - "to others": the `x-socket-id` of the caller's own tab is left out, another user's is ignored;
 * - an Expect: 100-continue POST within the cap is served.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { collectEvents, settle } from '../helpers/socket-server';

const BURST = 2;
// One token a second (the slowest EMIT_RATE_PER_SECOND allows): a burst sent at once meets the cap.
const suite = useAppServer({ EMIT_RATE_PER_SECOND: '1', EMIT_RATE_BURST: String(BURST) });

function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(new URL(`/api/trpc/${path}`, suite.app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('rate-limit refusals on the Node path', () => {
  it(`past a burst of ${BURST}, notification.send is 429 with Retry-After, no-store and the security headers; refused sends emit nothing`, async () => {
    const [alice, bob] = await Promise.all([suite.signIn('alice'), suite.signIn('bob')]);
    const bobTab = await suite.openTab(bob);
    const got = collectEvents(bobTab, 'notification');
    const sends = await Promise.all(
      Array.from({ length: BURST + 4 }, (_, i) => post('notification.send', { toUserId: 'bob', message: `rl ${i}` }, { cookie: alice.cookie })),
    );
    const served = sends.filter((response) => response.status === 200);
    const refused = sends.filter((response) => response.status === 429);
    expect(served.length + refused.length).toBe(sends.length);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const response of refused) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const body = (await response.json()) as { error: { message: string; data: { code: string; retryAfterMs: number } } };
      expect(body.error.data.code).toBe('TOO_MANY_REQUESTS');
      expect(body.error.message).toMatch(/^Too many messages: try again in \d+ s$/);
      expect(body.error.data.retryAfterMs).toBeGreaterThan(0);
    }
    await waitFor(() => got.length >= served.length, `${served.length} notifications`);
    await settle(300);
    expect(got).toHaveLength(served.length);
  });
});

describe('the session from the Cookie header', () => {
  it('is found among other cookies in any spacing, and a garbage session cookie is signed out, not an error', async () => {
    const carol = await suite.signIn('carol');
    const me = (cookie: string) => fetch(new URL('/api/trpc/room.mine', suite.app.url), { headers: { cookie } });
    const jar = carol.cookie.split('; ');
    const variants = [
      carol.cookie,
      ['theme=dark', ...jar, 'x=%zz'].join(';'), // no spaces; a neighbour whose value does not decode
      [...jar.reverse(), 'flag', 'note=caf%C3%A9'].join(';   '),
    ];
    for (const cookie of variants) {
      const answer = await me(cookie);
      expect(answer.status, cookie).toBe(200);
    }
    const forged = jar.map((pair) => (pair.includes('session-token=') ? `${pair.split('=')[0]}=not-a-jwe` : pair)).join('; ');
    const refused = await me(forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect((await me('')).status).toBe(401);
    expect((await me(carol.cookie)).status).toBe(200); // the server kept serving
  });
});

describe('"to others" on the Node path', () => {
  it("the poster's own tab is left out; another user's socket id is ignored", async () => {
    // carol: her emit bucket is untouched by the rate-limit case above.
    const [carol, bob] = await Promise.all([suite.signIn('carol'), suite.signIn('bob')]);
    const room = 'node-path-others';
    expect((await carol.mutate('room.join', { room })).ok).toBe(true);
    expect((await bob.mutate('room.join', { room })).ok).toBe(true);
    const [carolA, carolB, bobTab] = await Promise.all([suite.openTab(carol), suite.openTab(carol), suite.openTab(bob)]);
    const texts = (events: { message: string }[]) => events.map((event) => event.message);
    const [sawA, sawB, sawBob] = [collectEvents(carolA, 'room:message'), collectEvents(carolB, 'room:message'), collectEvents(bobTab, 'room:message')];
    const own = await post('room.post', { room, message: 'own' }, { cookie: carol.cookie, 'x-socket-id': carolA.id! });
    expect(own.status).toBe(200);
    const foreign = await post('room.post', { room, message: 'foreign' }, { cookie: carol.cookie, 'x-socket-id': bobTab.id! });
    expect(foreign.status).toBe(200);
    await waitFor(() => [sawA, sawB, sawBob].every((events) => texts(events).includes('foreign')), 'the second post on every tab');
    expect(texts(sawB)).toEqual(['own', 'foreign']);
    expect(texts(sawBob)).toEqual(['own', 'foreign']);
    expect(texts(sawA)).toEqual(['foreign']); // left out of its own post only
  });
});

describe('Expect: 100-continue', () => {
  it('a POST within the cap that waits for 100 Continue is served', async () => {
    const dave = await suite.signIn('bob');
    const body = JSON.stringify({ toUserId: 'nobody-here', message: 'continue' });
    const { status, continued } = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request(new URL('/api/trpc/room.mine', suite.app.url), {
        method: 'POST',
        headers: { cookie: dave.cookie, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, continued });
      });
      req.on('error', reject);
    });
    expect(continued).toBe(true);
    // room.mine is a query: a POST to it is tRPC's 405, from the handler after the body arrived.
    expect(status).toBe(405);
  });
});
