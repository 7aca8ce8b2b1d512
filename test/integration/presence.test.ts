/**
 * Presence: whether a user has a socket open anywhere, from the presence store (not
 * fetchSockets), and live `presence:changed` events to the rooms of a user who comes online
 * (first socket) or goes offline (last socket, once the grace has passed). `presence.user` answers
 * only about users who share a room with the caller, rate-limited. Real server, real clients,
 * the real appRouter (createCaller).
 */
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getEnv } from '@/env';
import { createCaller } from '@/server/trpc/root';
import { type PresenceChange } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { collectEvents, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const as = (id: string) =>
  createCaller({ session: { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });

/** Short, so the offline announcement comes quickly here (presence-flood.test.ts uses the default). */
const GRACE_MS = 300;
/**
 * How long an announcement may take: the grace, plus the heartbeat (1 s) that settles whatever a
 * wake timer missed, plus room for a loaded CI machine. Timing targets live in bench/, not here.
 */
const ANNOUNCED = { timeout: GRACE_MS + 1_000 + 3_000 };

let server: TestServer;
beforeAll(async () => {
  server = await startSocketServer({ presence: { graceMs: GRACE_MS } });
});
afterAll(() => server.stop());

describe('presence', () => {
  it('tells a room live when a member comes online (first tab) and goes offline (last tab)', async () => {
    await as('alice').room.join({ room: 'team' });
    await as('bob').room.join({ room: 'team' });
    const alice = await server.connectAs('alice');
    await settle(100);
    const seen = collectEvents(alice, 'presence:changed') as PresenceChange[];

    const bob1 = await server.connectAs('bob');
    await vi.waitFor(() => expect(seen).toEqual([{ room: 'team', userId: 'bob', online: true }]), ANNOUNCED);
    const bob2 = await server.connectAs('bob'); // a second tab: no news
    bob1.disconnect(); // one tab left: no news
    await settle(200);
    expect(seen).toHaveLength(1);
    expect(await gateway.isOnline('bob')).toBe(true);

    bob2.disconnect();
    // Announced once bob has stayed offline for the grace.
    await vi.waitFor(
      () =>
        expect(seen).toEqual([
          { room: 'team', userId: 'bob', online: true },
          { room: 'team', userId: 'bob', online: false },
        ]),
      ANNOUNCED,
    );
    expect(await gateway.isOnline('bob')).toBe(false);
  });

  it('a tab reloaded within the grace (last socket closed, a new one opened) tells the room nothing', async () => {
    await as('frank').room.join({ room: 'reload' });
    await as('gina').room.join({ room: 'reload' });
    const frank = await server.connectAs('frank');
    const seen = collectEvents(frank, 'presence:changed') as PresenceChange[];
    const gina1 = await server.connectAs('gina');
    await vi.waitFor(() => expect(seen).toEqual([{ room: 'reload', userId: 'gina', online: true }]), ANNOUNCED);
    gina1.disconnect();
    const gina2 = await server.connectAs('gina');
    await settle(GRACE_MS * 3); // well past the grace: a wrong "offline" would have been sent by now
    expect(seen).toEqual([{ room: 'reload', userId: 'gina', online: true }]);
    gina2.disconnect();
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ room: 'reload', userId: 'gina', online: false }), ANNOUNCED);
    expect(seen).toHaveLength(2);
  });

  it('presence.room lists members with their state (members only); presence.user answers only about yourself or someone you share a room with', async () => {
    await as('carol').room.join({ room: 'desk' });
    await as('dave').room.join({ room: 'desk' });
    const carol = await server.connectAs('carol');
    expect(await as('carol').presence.room({ room: 'desk' })).toEqual({
      members: [
        { userId: 'carol', online: true },
        { userId: 'dave', online: false },
      ],
    });
    await expect(as('eve').presence.room({ room: 'desk' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await as('dave').presence.user({ userId: 'carol' })).toEqual({ userId: 'carol', online: true });
    expect(await as('carol').presence.user({ userId: 'carol' })).toEqual({ userId: 'carol', online: true });
    // eve shares no room with carol: refused, with the same answer as for an id nobody has.
    const forCarol = await as('eve')
      .presence.user({ userId: 'carol' })
      .catch((error: unknown) => error);
    const forNobody = await as('eve')
      .presence.user({ userId: 'nobody-at-all' })
      .catch((error: unknown) => error);
    expect(forCarol).toMatchObject({ code: 'FORBIDDEN', message: 'Share a room with this user to see whether they are online' });
    expect(forNobody).toMatchObject({ code: 'FORBIDDEN', message: (forCarol as Error).message });
    carol.disconnect();
    await vi.waitFor(async () => expect(await as('dave').presence.user({ userId: 'carol' })).toEqual({ userId: 'carol', online: false }), ANNOUNCED);
    expect(await gateway.areOnline(['carol', 'dave', 'nobody'])).toEqual([false, false, false]);
  });

  it('presence.user is rate-limited per caller: past the burst it answers TOO_MANY_REQUESTS with a retry hint', async () => {
    const { burst } = getEnv().rateLimits.lookup;
    await as('hank').room.join({ room: 'probe' });
    await as('ivy').room.join({ room: 'probe' });
    const answers = await Promise.all(
      Array.from({ length: burst + 5 }, () =>
        as('hank')
          .presence.user({ userId: 'ivy' })
          .then(
            () => 'ok',
            (error: TRPCError) => error.code,
          ),
      ),
    );
    expect(answers.filter((answer) => answer === 'ok')).toHaveLength(burst);
    expect(answers.filter((answer) => answer === 'TOO_MANY_REQUESTS')).toHaveLength(5);
    // Refused lookups of ids the caller may not see cost tokens too (no free probing).
    await expect(as('ivy').presence.user({ userId: 'someone-else' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const refusal = await as('hank')
      .presence.user({ userId: 'ivy' })
      .catch((error: TRPCError) => error);
    expect(refusal).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/^Too many presence lookups: try again in \d+ s$/) });
    // Another caller has a bucket of its own.
    expect(await as('ivy').presence.user({ userId: 'hank' })).toEqual({ userId: 'hank', online: false });
  });
});
