/**
 * The presence announcer's wake timer. The store decides what is due by its own clock (Redis's TIME,
 * or Date.now() rounded to the ms), while a Node timer may fire up to a millisecond before Date.now()
 * has moved on by its delay: a timer aimed exactly at the due time can find nothing due, and the
 * settle then waited for the next heartbeat, a second late (CI failure of presence.test.ts's reload
 * case). Real memory stores, real timers; the sink records what would be published.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPresenceAnnouncer } from '@/socket-gateway/server/presence-announcer';
import { createMemoryPresenceStore } from '@/socket-gateway/stores/memory/presence-store';
import { createMemoryMembershipStore } from '@/socket-gateway/stores/memory/membership-store';
import type { LogEntryInput } from 'socket-gateway/advanced';

const GRACE_MS = 200;

/** How much later than the node's timer the store finds a delayed settle due here (ms rounding, or a store clock a little behind). */
const STORE_LAG_MS = 3;

async function setup() {
  const memory = createMemoryPresenceStore();
  const presence: typeof memory = { ...memory, schedule: (userIds, afterMs) => memory.schedule(userIds, afterMs > 0 ? afterMs + STORE_LAG_MS : 0) };
  const membership = createMemoryMembershipStore();
  const published: LogEntryInput[] = [];
  const errors: Error[] = [];
  const announcer = createPresenceAnnouncer(
    { presence, membership, nodeId: 'n1', sink: { publish: async (input) => void published.push(input) }, onError: (error) => errors.push(error) },
    { graceMs: GRACE_MS },
  );
  await presence.heartbeat('n1');
  await membership.join('gina', 'reload', 10);
  const online = () => published.map((input) => (input.data as { online: boolean }).online);
  return { presence, announcer, online, errors };
}

describe('presence announcer', () => {
  it('announces "offline" once the grace has passed even when the store finds it due a few ms after the node does (no heartbeat tick runs here)', async () => {
    const { presence, announcer, online, errors } = await setup();
    await presence.connected('gina', 'n1');
    announcer.firstSocket('gina');
    await vi.waitFor(() => expect(online()).toEqual([true]));

    const closedAt = Date.now();
    announcer.socketClosed('gina');

    await vi.waitFor(() => expect(online()).toEqual([true, false]), { timeout: GRACE_MS + 1_000, interval: 10 });
    const tookMs = Date.now() - closedAt;
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS);
    await announcer.close();
    expect(errors).toEqual([]);
  });

  it('a socket opened within the grace keeps the room from hearing anything', async () => {
    const { presence, announcer, online, errors } = await setup();
    await presence.connected('gina', 'n1');
    announcer.firstSocket('gina');
    await vi.waitFor(() => expect(online()).toEqual([true]));

    announcer.socketClosed('gina');
    await vi.waitFor(async () => expect(await presence.isOnline(['gina'])).toEqual([false]));
    await presence.connected('gina', 'n1'); // the reload
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    expect(online()).toEqual([true]);
    await announcer.close();
    expect(errors).toEqual([]);
  });

  it('announces a burst of users with overlapping store calls, at most 32 at a time (a serial pass lagged seconds behind a connect burst)', async () => {
    const presence = createMemoryPresenceStore();
    const memory = createMemoryMembershipStore();
    let inFlight = 0;
    let peak = 0;
    // Each membership read takes a turn of the event loop, as a store round trip does.
    const membership: typeof memory = {
      ...memory,
      roomsOf: async (userId) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return memory.roomsOf(userId);
      },
    };
    const published: LogEntryInput[] = [];
    const announcer = createPresenceAnnouncer(
      { presence, membership, nodeId: 'n1', sink: { publish: async (input) => void published.push(input) }, onError: (error) => expect.fail(error.message) },
      { graceMs: GRACE_MS },
    );
    await presence.heartbeat('n1');
    const users = Array.from({ length: 200 }, (_, i) => `user${i}`);
    for (const userId of users) {
      await memory.join(userId, 'lobby', 10);
      await presence.connected(userId, 'n1');
    }
    for (const userId of users) announcer.firstSocket(userId);
    await vi.waitFor(() => expect(published).toHaveLength(users.length), { timeout: 10_000, interval: 10 });
    expect(new Set(published.map((input) => (input.data as { userId: string }).userId))).toEqual(new Set(users));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(32);
    await announcer.close();
  });
});
