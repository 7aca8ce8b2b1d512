/**
 * createPresenceAnnouncer: tells a user's rooms (`presence:changed`) when the user came online or
 * went offline, but only once the change has SETTLED, so that presence cannot be used as a flood
 * (attacks-3 F2: one user opening and closing sockets wrote 11,000+ log rows a second).
 *
 * - A first socket asks for the user to be settled at once: a user announced offline is announced
 *   online at once.
 * - A last socket closing asks for a settle `graceMs` later; a socket opened meanwhile (a reload, a
 *   flap, a reconnect to another node) does not pull it earlier, so nothing is announced unless
 *   the user is still offline after the grace.
 * - A node that died without a word: its users are settled `nodeLossGraceMs` after its lease ran
 *   out, so users it lost who reconnected elsewhere within that time are never announced offline.
 *   That grace is longer than a reload's: all of the node's clients come back at once, each after
 *   socket.io-client's backoff (0.5–1.5 s, a retry 1–3 s more), and queue on the survivors'
 *   handshakes. With the reload's 3 s, a 5,000-client storm announced ~1,750 users offline and
 *   online again to their rooms (~350,000 frames: most of the storm's work; issue 21).
 * - A settle compares "online now" with what was last announced (kept in the presence store,
 *   shared by every node), so a change is announced once, by one node, whichever node asked.
 *
 * Bound: between two offline announcements of a user there are at least `graceMs` (or
 * `nodeLossGraceMs`, whichever is smaller) of it being offline, so a room hears at most 2 presence
 * events per user per that time.
 * @see stores/presence.ts (schedule, settleDue)
 */
import { USER_ROOM_PREFIX } from '../rooms';
import type { EventSink } from '../delivery/sinks';
import type { PresenceStore } from '../stores/presence';
import type { MembershipStore } from '../stores/types';

export interface PresenceAnnouncerOptions {
  /** How long a user must stay offline before their rooms are told (default 3 s). */
  graceMs?: number;
  /**
   * The same for the users of a node that died without a word, counted from when its lease ran out
   * (default 10 s): time for all of them to reconnect elsewhere, a retry included.
   */
  nodeLossGraceMs?: number;
  /** How often the presence counts of long-dead nodes are swept (default 30 s; at most `sweepMaxFields` per run). */
  sweepIntervalMs?: number;
  /** Fields one sweep deletes at most (bounded work per tick, default 1,000). */
  sweepMaxFields?: number;
}

export const DEFAULT_PRESENCE_GRACE_MS = 3_000;
export const DEFAULT_PRESENCE_NODE_LOSS_GRACE_MS = 10_000;
export const DEFAULT_PRESENCE_SWEEP_INTERVAL_MS = 30_000;
const DEFAULT_SWEEP_MAX_FIELDS = 1_000;
/** Dead nodes one tick takes over (bounded work per tick). */
const MAX_EXPIRED_NODES_PER_TICK = 5;
/** Users one settle call handles, and at most this many times per pass (bounded work per tick). */
const SETTLE_BATCH = 500;
const MAX_SETTLE_BATCHES_PER_PASS = 4;
/** Announcements of one settle batch in flight at once (store round trips overlap; bounded work). */
const ANNOUNCE_CONCURRENCY = 32;
/** How far past a settle's due time its timer aims, so the store (its own clock, rounded to ms) finds it due. */
const WAKE_SLACK_MS = 5;

export interface PresenceAnnouncer {
  /** A socket of `userId` was accepted and it is the user's first on any live node. */
  firstSocket(userId: string): void;
  /** A socket of `userId` closed on this node: counts it out, and if it was the user's last, settles them after the grace. */
  socketClosed(userId: string): void;
  /**
   * The store was restored after losing its data (restoreNode): what was announced is lost too, so
   * these users (this node's) are settled again at once (their rooms may hear "online" twice).
   */
  restored(userIds: readonly string[]): void;
  /** Every heartbeat: takes over dead nodes, settles what is due, sweeps now and then. */
  tick(): Promise<void>;
  /** Stops the timers and waits for the store calls in flight (what is still to settle stays in the store for the other nodes). */
  close(): Promise<void>;
}

export interface PresenceAnnouncerDeps {
  presence: PresenceStore;
  membership: MembershipStore;
  sink: EventSink;
  nodeId: string;
  onError: (error: Error) => void;
}

export function createPresenceAnnouncer(deps: PresenceAnnouncerDeps, options: PresenceAnnouncerOptions = {}): PresenceAnnouncer {
  const { presence, membership, sink, nodeId } = deps;
  const graceMs = options.graceMs ?? DEFAULT_PRESENCE_GRACE_MS;
  const nodeLossGraceMs = options.nodeLossGraceMs ?? DEFAULT_PRESENCE_NODE_LOSS_GRACE_MS;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_PRESENCE_SWEEP_INTERVAL_MS;
  const sweepMaxFields = options.sweepMaxFields ?? DEFAULT_SWEEP_MAX_FIELDS;
  const onError = (error: unknown) => deps.onError(error instanceof Error ? error : new Error(String(error)));

  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const tracked = work.catch(onError).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  /** Tells each of the user's app rooms (stored membership); every event goes through the log like any other. */
  const announce = async (userId: string, online: boolean) => {
    const rooms = (await membership.roomsOf(userId)).filter((room) => !room.startsWith(USER_ROOM_PREFIX));
    await Promise.all(rooms.map((room) => sink.publish({ to: { kind: 'room', room }, event: 'presence:changed', data: { room, userId, online } })));
  };

  // One settle pass at a time; a request during a pass runs one more pass after it.
  let settling: Promise<void> | undefined;
  let again = false;
  // A batch's announcements go ANNOUNCE_CONCURRENCY at a time (each is a membership read and a log
  // append: two store round trips). One at a time, 5,000 users connecting at once were announced
  // over several seconds, long after they had joined more rooms: each late "online" went to rooms
  // joined since (the cluster bench's room of 5,000 got 25 million presence deliveries that way).
  // Different users' announcements are independent; a user is in a batch at most once.
  const settlePass = async () => {
    for (let batch = 0; batch < MAX_SETTLE_BATCHES_PER_PASS; batch += 1) {
      const changes = await presence.settleDue(SETTLE_BATCH);
      let next = 0;
      const worker = async () => {
        while (next < changes.length) {
          const change = changes[next++]!;
          await announce(change.userId, change.online).catch(onError);
        }
      };
      await Promise.all(Array.from({ length: Math.min(ANNOUNCE_CONCURRENCY, changes.length) }, worker));
      if (changes.length < SETTLE_BATCH) return;
    }
  };
  const settle = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (settling) {
      again = true;
      return settling;
    }
    settling = (async () => {
      do {
        again = false;
        await settlePass().catch(onError);
      } while (again && !closed);
    })().finally(() => (settling = undefined));
    return settling;
  };

  // One timer for the earliest settle this node asked for (the heartbeat tick catches the rest).
  // A Node timer counts from the event loop's cached clock, which lags Date.now() by however long
  // the current turn has run, so it can fire that much before `at`. Fired early, the store finds
  // nothing due yet and the settle waited for the next heartbeat (a whole second late under load:
  // the presence test failed in CI). So the timer aims a little past `at` and re-arms until then.
  // @see https://nodejs.org/api/timers.html#settimeoutcallback-delay-args (no promise of exact timing)
  let wakeAt = Infinity;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  const arm = (at: number) => {
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(
      () => {
        wakeTimer = undefined;
        if (Date.now() < at) return arm(at);
        wakeAt = Infinity;
        track(settle());
      },
      Math.max(0, at - Date.now()) + WAKE_SLACK_MS,
    );
    wakeTimer.unref();
  };
  const wakeIn = (ms: number) => {
    const at = Date.now() + ms;
    if (closed || at >= wakeAt) return;
    arm(at);
  };

  /** Dead nodes (lease ran out without nodeDown): their users are settled after the node-loss grace. */
  const takeOverDeadNodes = async () => {
    for (let taken = 0; taken < MAX_EXPIRED_NODES_PER_TICK; taken += 1) {
      const expired = await presence.takeExpiredNode(nodeId);
      if (!expired) return;
      if (expired.userIds.length === 0) continue;
      await presence.schedule(expired.userIds, nodeLossGraceMs);
      wakeIn(nodeLossGraceMs);
    }
  };

  let lastSweep = Date.now();
  const sweepNowAndThen = async () => {
    if (Date.now() - lastSweep < sweepIntervalMs) return;
    lastSweep = Date.now();
    await presence.sweep(sweepMaxFields);
  };

  return {
    firstSocket(userId) {
      if (closed) return;
      track(presence.schedule([userId], 0).then(settle));
    },
    socketClosed(userId) {
      track(
        presence.disconnected(userId, nodeId).then(async (left) => {
          if (left > 0) return;
          await presence.schedule([userId], graceMs);
          wakeIn(graceMs);
        }),
      );
    },
    restored(userIds) {
      if (closed || userIds.length === 0) return;
      track(presence.schedule(userIds, 0).then(settle));
    },
    async tick() {
      if (closed) return;
      await takeOverDeadNodes().catch(onError);
      await settle();
      await sweepNowAndThen().catch(onError);
    },
    async close() {
      closed = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      while (inFlight.size > 0 || settling) await Promise.all([...inFlight, settling]);
    },
  };
}
