/**
 * tRPC limits on /api/trpc, against the production build.
 * - H2: one batch of 1,500 calls is refused whole (TRPC_MAX_BATCH_SIZE, default 10); nothing
 *   in it runs. Before: 1,500 joins ran concurrently, a 150 MB response, +400 MB RSS.
 * - I1: socket.token (every tRPC answer) is `Cache-Control: no-store`.
 * - L2: a cross-site form POST (multipart, text/plain) with the victim's cookie never reaches a
 *   procedure: non-JSON POSTs get 415, POSTs from a foreign Origin get 403.
 */
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { rssMb, withPeakRss } from '../helpers/attack';
import { collectEvents, settle } from '../helpers/socket-server';

const suite = useAppServer();
const EVIL = 'https://evil.example';

function trpcUrl(paths: string[], batch: boolean): URL {
  const url = new URL(`/api/trpc/${paths.join(',')}`, suite.app.url);
  if (batch) url.searchParams.set('batch', '1');
  return url;
}

describe('H2: batch size', () => {
  it('a batch of 1,500 room.join is refused whole: no room stored, memory flat', async () => {
    const alice = await suite.signIn('alice');
    const paths = Array.from({ length: 1500 }, () => 'room.join');
    const inputs = Object.fromEntries(paths.map((_, i) => [String(i), { room: `h2-${i}` }]));
    const before = rssMb(suite.app.process.pid!);
    const { result: response, peakMb } = await withPeakRss(
      suite.app.process.pid!,
      fetch(trpcUrl(paths, true), { method: 'POST', headers: { 'content-type': 'application/json', cookie: alice.cookie }, body: JSON.stringify(inputs) }),
    );
    const text = await response.text();
    console.log(
      `[H2] batch of 1,500 room.join: HTTP ${response.status}, ${(text.length / 1024).toFixed(1)} KB response; RSS ${before.toFixed(0)} → peak ${peakMb.toFixed(0)} MB`,
    );
    expect(response.status).toBe(400);
    expect(text).toContain('Batch call exceeds maximum size');
    expect(peakMb - before).toBeLessThan(100);
    expect(await alice.query('room.mine')).toEqual({ ok: true, data: { rooms: [] } });
  });

  it('a GET batch of 1,500 room.mine is refused; a batch of 10 is served', async () => {
    const bob = await suite.signIn('bob');
    const many = await fetch(
      trpcUrl(
        Array.from({ length: 1500 }, () => 'room.mine'),
        true,
      ),
      { headers: { cookie: bob.cookie } },
    );
    expect(many.status).toBe(400);
    expect(await many.text()).toContain('Batch call exceeds maximum size');
    const ten = await fetch(
      trpcUrl(
        Array.from({ length: 10 }, () => 'room.mine'),
        true,
      ),
      { headers: { cookie: bob.cookie } },
    );
    expect(ten.status).toBe(200);
    expect(await ten.json()).toHaveLength(10);
  });
});

describe('I1: no caching of tokens', () => {
  it('socket.token answers Cache-Control: no-store (alone and batched)', async () => {
    const carol = await suite.signIn('carol');
    const single = await fetch(trpcUrl(['socket.token'], false), { headers: { cookie: carol.cookie } });
    expect(single.status).toBe(200);
    expect(single.headers.get('cache-control')).toBe('no-store');
    const batched = await fetch(trpcUrl(['socket.token', 'room.mine'], true), { headers: { cookie: carol.cookie } });
    expect(batched.headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(trpcUrl(['socket.token'], false)); // not signed in: an error, still no-store
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });
});

describe('L2: cross-site requests never reach a procedure', () => {
  it('multipart / text/plain / foreign-Origin POSTs with the cookie are refused, and nothing is sent or joined', async () => {
    const [alice, bob] = await Promise.all([suite.signIn('alice'), suite.signIn('bob')]);
    const bobTab = await suite.openTab(bob);
    const bobSaw = collectEvents(bobTab, 'notification');
    const send = (init: { body: BodyInit; contentType?: string; origin?: string }) =>
      fetch(trpcUrl(['notification.send'], false), {
        method: 'POST',
        headers: { cookie: alice.cookie, ...(init.contentType ? { 'content-type': init.contentType } : {}), ...(init.origin ? { origin: init.origin } : {}) },
        body: init.body,
      });
    const form = () => {
      const data = new FormData();
      data.set('toUserId', 'bob');
      data.set('message', 'cross-site');
      return data;
    };
    const json = JSON.stringify({ toUserId: 'bob', message: 'cross-site' });

    const refused = {
      multipartCrossSite: await send({ body: form(), origin: EVIL }),
      multipartNoOrigin: await send({ body: form() }),
      textPlainCrossSite: await send({ body: json, contentType: 'text/plain', origin: EVIL }),
      textPlainSameSite: await send({ body: json, contentType: 'text/plain', origin: suite.app.url }),
      octetStream: await send({ body: json, contentType: 'application/octet-stream' }),
      noContentType: await send({ body: new Blob([json]) }),
      jsonCrossSite: await send({ body: json, contentType: 'application/json', origin: EVIL }),
      jsonNullOrigin: await send({ body: json, contentType: 'application/json', origin: 'null' }),
    };
    const statuses = Object.fromEntries(Object.entries(refused).map(([name, response]) => [name, response.status]));
    console.log(`[L2] ${JSON.stringify(statuses)}`);
    expect(statuses).toEqual({
      multipartCrossSite: 403,
      multipartNoOrigin: 415,
      textPlainCrossSite: 403,
      textPlainSameSite: 415,
      octetStream: 415,
      noContentType: 415,
      jsonCrossSite: 403,
      jsonNullOrigin: 403,
    });
    const bodies = await Promise.all(
      Object.values(refused).map((response) => response.json() as Promise<{ error: { message: string; data: { code: string } } }>),
    );
    expect(bodies[0]!.error).toMatchObject({ message: 'Cross-site request refused', data: { code: 'FORBIDDEN' } });
    expect(bodies[1]!.error).toMatchObject({ message: 'Send JSON (Content-Type: application/json)', data: { code: 'UNSUPPORTED_MEDIA_TYPE' } });

    const joined = await fetch(trpcUrl(['room.join'], false), {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: EVIL },
      body: (() => {
        const data = new FormData();
        data.set('room', 'csrf');
        return data;
      })(),
    });
    expect(joined.status).toBe(403);
    expect(await alice.query('room.mine')).toEqual({ ok: true, data: { rooms: [] } });

    // The app's own page (same Origin, JSON) still works, and bob saw only that.
    expect(
      (await send({ body: JSON.stringify({ toUserId: 'bob', message: 'same-site' }), contentType: 'application/json', origin: suite.app.url })).status,
    ).toBe(200);
    await settle(300);
    expect(bobSaw.map((n) => n.message)).toEqual(['same-site']);
  });
});
