/**
 * Rate limits on the procedures that emit (attacks.md M1): token buckets per sender and per
 * notification recipient, through the real appRouter against a real socket server. A refused
 * call is TOO_MANY_REQUESTS with a retry hint and emits nothing.
 */
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEnv } from '@/env';
import { createCaller } from '@/server/trpc/root';
import { type RateLimitedError } from 'socket-gateway/trpc';
import { createMemoryRateLimitStore } from 'socket-gateway/advanced';
import { collectEvents, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const { emit, recipient } = getEnv().rateLimits;
const as = (id: string, role: 'user' | 'admin' = 'user') =>
  createCaller({ session: { user: { id, name: id, role }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });

let server: TestServer;
beforeAll(async () => {
  server = await startSocketServer();
});
afterAll(() => server.stop());

/** Runs every call at once; returns how many passed and the refusals. */
async function burst(calls: (() => Promise<unknown>)[]) {
  const results = await Promise.allSettled(calls.map((call) => call()));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as TRPCError] : []));
  return { passed: results.length - refused.length, refused };
}

describe('rate limits', () => {
  it(`lets a sender burst ${emit.burst} notifications, then answers TOO_MANY_REQUESTS with a retry hint and sends nothing more`, async () => {
    const victim = await server.connectAs('victim-1');
    const seen = collectEvents(victim, 'notification');
    const mallory = as('mallory-1');
    const { passed, refused } = await burst(
      Array.from({ length: 100 }, (_, i) => () => mallory.notification.send({ toUserId: 'victim-1', message: `spam ${i}` })),
    );
    expect(passed).toBeGreaterThanOrEqual(emit.burst);
    expect(passed).toBeLessThanOrEqual(emit.burst + 2); // refills at emit.ratePerSecond while the burst runs
    for (const error of refused) {
      expect(error).toBeInstanceOf(TRPCError);
      expect(error.code).toBe('TOO_MANY_REQUESTS');
      expect(error.message).toMatch(/Too many messages: try again in \d+ s/);
      expect((error.cause as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    }
    await settle(200);
    expect(seen).toHaveLength(passed);
  });

  it('room.post and announcement.broadcast share the sender bucket', async () => {
    const poster = as('mallory-2');
    await poster.room.join({ room: 'spam-room' });
    const posts = await burst(Array.from({ length: emit.burst }, (_, i) => () => poster.room.post({ room: 'spam-room', message: `p${i}` })));
    expect(posts.passed).toBe(emit.burst);
    await expect(poster.notification.send({ toUserId: 'x', message: 'one more' })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    const admin = as('admin-rl', 'admin');
    const announcements = await burst(Array.from({ length: emit.burst + 5 }, (_, i) => () => admin.announcement.broadcast({ message: `a${i}` })));
    expect(announcements.refused.length).toBeGreaterThan(0);
  });

  it(`caps what one recipient can be sent by many senders (${recipient.burst} in a burst)`, async () => {
    const victim = await server.connectAs('victim-3');
    const seen = collectEvents(victim, 'notification');
    const senders = Array.from({ length: 5 }, (_, i) => as(`sender-${i}`));
    const calls = senders.flatMap((sender) => Array.from({ length: 15 }, (_, i) => () => sender.notification.send({ toUserId: 'victim-3', message: `m${i}` })));
    const { passed, refused } = await burst(calls);
    expect(passed).toBeGreaterThanOrEqual(recipient.burst);
    expect(passed).toBeLessThanOrEqual(recipient.burst + 2);
    expect(refused.every((e) => e.code === 'TOO_MANY_REQUESTS' && /Too many notifications to victim-3/.test(e.message))).toBe(true);
    await settle(200);
    expect(seen).toHaveLength(passed);
    // Another recipient is unaffected.
    await expect(as('sender-fresh').notification.send({ toUserId: 'someone-else', message: 'hi' })).resolves.toMatchObject({ from: 'sender-fresh' });
  });

  it('a refused bad input takes no token', async () => {
    const careful = as('careful');
    for (let i = 0; i < 50; i += 1) await expect(careful.notification.send({ toUserId: 'x', message: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(careful.notification.send({ toUserId: 'x', message: 'fine' })).resolves.toMatchObject({ message: 'fine' });
  });
});

describe('memory token bucket', () => {
  it('refills at the rate, never above the burst, and says when the next token comes', async () => {
    let t = 0;
    const store = createMemoryRateLimitStore({ now: () => t });
    const limit = { ratePerSecond: 2, burst: 3 };
    for (let i = 0; i < 3; i += 1) expect((await store.take('k', limit)).ok).toBe(true);
    expect(await store.take('k', limit)).toEqual({ ok: false, retryAfterMs: 500 });
    t = 500;
    expect((await store.take('k', limit)).ok).toBe(true);
    expect((await store.take('k', limit)).ok).toBe(false);
    t = 100_000;
    expect(await store.take('k', limit)).toEqual({ ok: true, remaining: 2 });
    expect((await store.take('other', limit)).ok).toBe(true);
  });
});
