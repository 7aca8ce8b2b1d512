/**
 * Sign-out revokes sockets, end to end through server.ts (production build): bob has two
 * tabs open, signs out with next-auth's POST /api/auth/signout, and both sockets close (next-auth
 * calls events.signOut with the decoded JWT, which calls gateway.disconnectUser). A later
 * notification.send to bob reaches nothing, his signed-out tab cannot mint a new socket
 * token, and alice is unaffected throughout.
 */
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { sessionWithCookie, useAppServer } from '../helpers/app-server';
import { collectEvents, nextDisconnect, nextEvent, settle, type TestClient } from '../helpers/socket-server';
import { pastIssuedSecond } from '../helpers/token-clock';

const suite = useAppServer();

describe('sign-out revokes every socket of the user', () => {
  it('two tabs of bob close on sign-out; later notifications to bob reach nothing; alice is unaffected', async () => {
    const [alice, bob] = await Promise.all([suite.signIn('alice'), suite.signIn('bob')]);
    const bobTab1 = await suite.openTab(bob, 'websocket');
    const bobTab2 = await suite.openTab(bob, 'polling');
    const aliceTab = await suite.openTab(alice);

    // Both tabs receive before sign-out (so silence afterwards means something).
    const before = Promise.all([nextEvent(bobTab1, 'notification'), nextEvent(bobTab2, 'notification')]);
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'before sign-out' })).ok).toBe(true);
    expect((await before).map((m) => m.message)).toEqual(['before sign-out', 'before sign-out']);

    // A token bob minted before signing out (tokens carry a whole-second issue time).
    const earlier = await bob.query<{ token: string }>('socket.token');
    if (!earlier.ok) throw new Error(`socket.token failed: ${earlier.code}`);
    await pastIssuedSecond(earlier.data.token);

    const closed = Promise.all([nextDisconnect(bobTab1), nextDisconnect(bobTab2)]);
    await bob.signOut();
    expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
    expect(bob.cookie).not.toMatch(/next-auth\.session-token=[^;]/); // the session cookie was cleared

    const bobSaw = [collectEvents(bobTab1, 'notification'), collectEvents(bobTab2, 'notification')];
    const sent = await alice.mutate('notification.send', { toUserId: 'bob', message: 'after sign-out' });
    expect(sent.ok).toBe(true); // an offline user: completes silently
    await settle(300);
    expect(bobSaw).toEqual([[], []]);
    expect(bobTab1.connected || bobTab2.connected).toBe(false);

    // The signed-out tab cannot get back in: no new socket token without a session.
    const token = await bob.query('socket.token');
    expect(token).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    // …and a token minted before the sign-out is refused although it has not expired.
    const replay: TestClient = connect(suite.app.url, { auth: { token: earlier.data.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    const refused = await new Promise<Error>((resolve) => replay.once('connect_error', resolve));
    replay.close();
    expect(refused.message).toBe('Unauthorized');

    // Alice is still connected and still receives.
    expect(aliceTab.connected).toBe(true);
    const aliceGot = nextEvent(aliceTab, 'notification');
    const carol = await suite.signIn('carol');
    expect((await carol.mutate('notification.send', { toUserId: 'alice', message: 'still here' })).ok).toBe(true);
    expect((await aliceGot).message).toBe('still here');
  });

  it("signing out one user leaves another user's tabs open", async () => {
    const [carol, admin] = await Promise.all([suite.signIn('carol'), suite.signIn('admin')]);
    const carolTab = await suite.openTab(carol);
    const adminTab = await suite.openTab(admin);
    const closed = nextDisconnect(carolTab);
    await carol.signOut();
    expect(await closed).toBe('io server disconnect');
    await settle(200);
    expect(adminTab.connected).toBe(true);
  });

  it('a session cookie copied before sign-out can no longer mint tokens or call procedures (attacks.md M4)', async () => {
    const carol = await suite.signIn('carol');
    const copied = sessionWithCookie(suite.app.url, carol.cookie);
    expect((await copied.query('socket.token')).ok).toBe(true); // the copy works while carol is signed in
    await new Promise((resolve) => setTimeout(resolve, 20));
    await carol.signOut();

    expect(await copied.query('socket.token')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(await copied.query('room.mine')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(await copied.mutate('notification.send', { toUserId: 'alice', message: 'from a stolen cookie' })).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    // next-auth re-issues the JWT on /api/auth/session: the fresh cookie is refused as well.
    const refreshed = await fetch(new URL('/api/auth/session', suite.app.url), { headers: { cookie: copied.cookie } });
    const reissued = refreshed.headers.getSetCookie().find((line) => line.includes('next-auth.session-token='));
    if (reissued) {
      const again = sessionWithCookie(suite.app.url, reissued.split(';')[0] ?? '');
      expect(await again.query('socket.token')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    }

    // Signing in again starts a new session that works.
    const carolAgain = await suite.signIn('carol');
    expect((await carolAgain.query('socket.token')).ok).toBe(true);
  });
});
