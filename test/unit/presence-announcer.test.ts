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
});
