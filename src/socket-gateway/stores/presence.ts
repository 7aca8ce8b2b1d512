/**
 * Presence and connection slots across nodes: how many sockets each user has, counted per node,
 * where a node's sockets count only while the node is alive (it renews a lease by heartbeat). A
 * node that dies without a word (SIGKILL, a lost VM) stops counting once its lease runs out, so
 * its users go offline and their slots free up with no cleanup on its part.
 *
 * Wiring, per node: a `nodeId` unique to this process start (e.g. `${hostname}:${pid}:${random}`:
 * a restarted node must not inherit a killed one's counts); `heartbeat` every third of
 * `heartbeatTtlMs` (and once before accepting sockets); `connected` on each accepted socket (refuse
 * the socket when it says `ok: false`), `disconnected` on each socket's disconnect; `nodeDown` on a
 * clean shutdown (after stopping the heartbeat timer); `sweep` now and then from any node;
 * `takeExpiredNode` every heartbeat, to tell the rooms of a dead node's users that they went offline;
 * `restoreNode` with what the node holds when its connection to the store comes back;
 * `schedule` + `settleDue` to announce only settled changes (a flap within the grace says nothing).
 * Measured (research notes, scale-out "Presence"): p50 0.2–0.4 ms per call; offline 2.2–2.8 s after a SIGKILL with a 1 s heartbeat and a 3 s lease.
 */

/** Outcome of `PresenceStore.connected`. */
export type ConnectResult =
  /** Counted: the user has `count` sockets on live nodes now, this one included. */
  | { ok: true; count: number }
  /** Refused: the user already has `count` >= maxConnections sockets on live nodes. Nothing changed. */
  | { ok: false; reason: 'limit'; count: number };

/** A user whose announced presence changed when `settleDue` settled it. */
export interface SettledPresence {
  userId: string;
  /** What to announce: the user has a socket on a live node now (true) or not (false). */
  online: boolean;
}

/** A node that died without a clean shutdown, and the users it had sockets for. */
export interface ExpiredNode {
  nodeId: string;
  userIds: string[];
}

export interface PresenceStore {
  /**
   * Counts one more socket of `userId` on `nodeId`, unless the user already has `maxConnections`
   * sockets on live nodes (atomically: concurrent calls from every node never pass the cap).
   * Omit `maxConnections` for no cap. Also renews `nodeId`'s lease (the node is evidently alive).
   */
  connected(userId: string, nodeId: string, maxConnections?: number): Promise<ConnectResult>;
  /** Counts one socket less (never below zero); resolves with the user's sockets left on live nodes. */
  disconnected(userId: string, nodeId: string): Promise<number>;
  /** Whether each user has a socket on a live node, in the order asked. */
  isOnline(userIds: readonly string[]): Promise<boolean[]>;
  /** Renews `nodeId`'s lease for `heartbeatTtlMs`. */
  heartbeat(nodeId: string): Promise<void>;
  /** A clean shutdown: `nodeId`'s sockets stop counting at once (and become sweepable). */
  nodeDown(nodeId: string): Promise<void>;
  /**
   * Hands out one node whose lease ran out without `nodeDown` (it crashed, or hangs), with the
   * users it had sockets for, so that the caller can tell their rooms they went offline: a dead
   * node cannot. Each such node is handed to one caller only (it is then marked as `nodeDown`
   * would); never `exceptNodeId` (the caller itself). A node that was only stalled still gets
   * its counts back with its next heartbeat (its users were announced offline meanwhile).
   */
  takeExpiredNode(exceptNodeId: string): Promise<ExpiredNode | undefined>;
  /**
   * Makes `nodeId`'s counts exactly `counts` (userId → its sockets on that node; a user left out
   * has none) and renews its lease. For a node whose connection to the store comes back: the store
   * may have lost everything (Redis restarted without persistence, or flushed) or missed the
   * disconnects made while it was unreachable. Idempotent. Not atomic with connects made while it
   * runs (a connect within that moment may go uncounted until the user's next socket change).
   */
  restoreNode(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Deletes the counts of nodes whose lease ran out more than `forgetAfterMs` ago, at most
   * `maxFields` per call (bounded work); resolves with how many it deleted. Until then a node that
   * was only stalled (a long GC pause, SIGSTOP) gets its counts back with its next heartbeat.
   */
  sweep(maxFields?: number): Promise<number>;
  /**
   * Asks for `userIds`' presence to be settled `afterMs` from now (0: at once). A user already
   * waiting keeps the LATER of the two times, so a user who keeps flapping is settled only once
   * they have been still for `afterMs`. Shared by every node: whichever node calls `settleDue`
   * first settles it, also when the node that asked has stopped meanwhile.
   */
  schedule(userIds: readonly string[], afterMs: number): Promise<void>;
  /**
   * Settles up to `max` users whose time has come, each by one caller only: compares whether the
   * user is online now with what was last announced for them, records the new state, and
   * resolves with the users whose state changed (what to announce). A user never announced counts
   * as announced offline. Atomic per user across nodes: a change is handed out once.
   */
  settleDue(max: number): Promise<SettledPresence[]>;
  close?(): Promise<void>;
}

export interface PresenceOptions {
  /** How long a heartbeat keeps a node alive. Default 3 s (heartbeat every 1 s: offline within ~3 s of a crash). */
  heartbeatTtlMs?: number;
  /** How long after its lease ran out a node's counts may be swept. Default 5 min. */
  forgetAfterMs?: number;
}

export const DEFAULT_HEARTBEAT_TTL_MS = 3_000;
export const DEFAULT_FORGET_AFTER_MS = 300_000;
export const DEFAULT_SWEEP_MAX_FIELDS = 1_000;
