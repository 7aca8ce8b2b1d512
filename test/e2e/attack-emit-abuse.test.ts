/**
 * Abuse through the emitting procedures and the socket, against the production build.
 * - M1: notifications flooded at one victim: per-sender and per-recipient token buckets answer
 *   TOO_MANY_REQUESTS with a retry hint; the victim's inbox stays bounded; an unrelated pair
 *   keeps being served. Before: 5,200 notifications/s to one victim, another pair's p50 10 → 120 ms.
 * - M5: room.post to a room one never joined is FORBIDDEN and reaches nobody. Before: delivered.
 * - H3: 10 sockets that stop reading, answer pings they never got and flood themselves: the
 *   unsolicited pongs close them, the flood is rate-limited, memory comes back. Before: +22 MB/s,
 *   1.67 GB after 50 s.
 */
import type { Socket as NetSocket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { rssMb } from '../helpers/attack';
import { connectRaw, type RawClient } from '../helpers/raw-client';
import { collectEvents, nextEvent, settle } from '../helpers/socket-server';

const suite = useAppServer();

describe('M1: notification flood', () => {
  it('caps what one sender and one victim get; others keep being served', async () => {
    const [mallory, bob, alice, carol] = await Promise.all([suite.signIn('admin'), suite.signIn('bob'), suite.signIn('alice'), suite.signIn('carol')]);
    const bobTab = await suite.openTab(bob);
    const carolTab = await suite.openTab(carol);
    const bobSaw = collectEvents(bobTab, 'notification');
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => mallory.mutate('notification.send', { toUserId: 'bob', message: `spam ${i}` })));
    const seconds = (Date.now() - started) / 1000;
    const passed = results.filter((r) => r.ok).length;
    const refused = results.filter((r) => !r.ok);
    console.log(
      `[M1] 200 notification.send from one sender in ${seconds.toFixed(1)} s: ${passed} sent, ${refused.length} refused (${refused[0] && !refused[0].ok ? refused[0].message : ''})`,
    );
    // A burst of 20, plus 10/s refilled while the 200 requests were being served.
    expect(passed).toBeLessThanOrEqual(20 + Math.ceil(seconds * 10) + 1);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => !r.ok && r.code === 'TOO_MANY_REQUESTS' && /try again in \d+ s/.test(r.message))).toBe(true);
    await settle(500);
    expect(bobSaw.length).toBe(passed);
    // Another pair is served at once.
    const got = nextEvent(carolTab, 'notification');
    expect((await alice.mutate('notification.send', { toUserId: 'carol', message: 'still served' })).ok).toBe(true);
    expect((await got).message).toBe('still served');
  });
});

describe('M5: posting into a room one never joined', () => {
  it('is FORBIDDEN and reaches nobody', async () => {
    const [alice, carol] = await Promise.all([suite.signIn('alice'), suite.signIn('carol')]);
    expect((await alice.mutate('room.join', { room: 'm5-private' })).ok).toBe(true);
    const aliceTab = await suite.openTab(alice);
    const seen = collectEvents(aliceTab, 'room:message');
    const posted = await carol.mutate('room.post', { room: 'm5-private', message: 'let me in' });
    expect(posted).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    await settle(300);
    expect(seen).toEqual([]);
  });
});

describe('H3: sockets that stop reading', () => {
  it('are closed (unsolicited pongs, bounded backlog), the flood is rate-limited, and memory comes back', async () => {
    const pid = suite.app.process.pid!;
    const mallory = await suite.signIn('admin'); // an account with no tab open yet
    const raws: RawClient[] = [];
    for (let i = 0; i < 10; i += 1) {
      const minted = await mallory.query<{ token: string }>('socket.token');
      if (!minted.ok) throw new Error(minted.message);
      raws.push(await connectRaw(suite.app.url, { token: minted.data.token }, { autoPong: false }));
    }
    const before = rssMb(pid);
    for (const raw of raws) {
      (raw.ws as unknown as { _socket: NetSocket })._socket.pause(); // stop reading
      raw.send('3'); // a pong nobody asked for
    }
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, i) => mallory.mutate('notification.send', { toUserId: 'admin', message: `${i} ${'x'.repeat(1900)}` })),
    );
    await settle(500);
    // Read again: each client then finds that the server closed its connection.
    for (const raw of raws) (raw.ws as unknown as { _socket: NetSocket })._socket.resume();
    await vi.waitFor(() => expect(raws.every((raw) => raw.isClosed())).toBe(true), { timeout: 10_000 });
    await settle(1000);
    const after = rssMb(pid);
    console.log(
      `[H3] 10 non-reading sockets: all closed; flood ${flood.filter((r) => r.ok).length}/100 sent; RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`,
    );
    expect(after - before).toBeLessThan(100);
    // Other users keep receiving.
    const [alice, bob] = await Promise.all([suite.signIn('alice'), suite.signIn('bob')]);
    const bobTab = await suite.openTab(bob);
    const got = nextEvent(bobTab, 'notification');
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'after H3' })).ok).toBe(true);
    expect((await got).message).toBe('after H3');
  });
});
