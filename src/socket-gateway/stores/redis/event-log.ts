import { randomBytes } from 'node:crypto';
import { DEFAULT_EVENT_LOG_RETENTION, isPosition, type EventAddress, type EventLog, type EventLogRetention, type LogEntry } from '../event-log';
import { EventLogResyncError, guardedSubscriber } from '../event-log-subscription';
import { createGroupCommit } from '../group-commit';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { EVENT_LOG_EPOCH_LUA } from './lua/event-log-epoch';
import { EVENT_LOG_HEAD_LUA } from './lua/event-log-head';
import { EVENT_LOG_APPEND_LUA } from './lua/event-log-append';
import { EVENT_LOG_READ_LUA } from './lua/event-log-read';
import { EVENT_LOG_TRIM_LUA } from './lua/event-log-trim';
import { EVENT_LOG_ROLLBACK_LUA } from './lua/event-log-rollback';

/*
 * Keys (every script declares both; on Redis Cluster the keyPrefix must be a hash tag):
 *   ${p}log        STREAM, one entry per event: fields to (JSON), ev, data (JSON, '' = undefined),
 *                  ex (the excepted socket id, '' = none), at (Redis's clock, epoch ms)
 *   ${p}log:epoch  STRING `<ms>.<random>`: the epoch, and the <ms> every entry id of it starts with
 *
 * Entry ids are `<epoch ms>-<n>` with n = 1, 2, 3… (XADD `<ms>-*`, Redis 7.0+): dense within an
 * epoch, so whether anything after a position was trimmed is plain arithmetic on the oldest id left
 * (Redis 7.0's XINFO cannot say it exactly: `max-deleted-entry-id` does not move on trim, and
 * `recorded-first-entry-id` cannot tell "the client's entry was the last one trimmed" from "more
 * after it were"). It also makes positions of another epoch recognisable: their <ms> differs.
 *
 * The epoch and the stream are created together, in one script, and neither is ever deleted by
 * the log (a trim leaves an empty stream behind), so finding either one missing means the log was
 * lost (FLUSHALL, a restart without persistence, a key evicted or deleted by hand): every script
 * then starts a new epoch before doing anything else. An append therefore can never land in a
 * stream while the old epoch is still reported, nor the reverse. Redis must not evict these keys
 * (maxmemory-policy noeviction or volatile-*: they have no TTL).
 * @see https://redis.io/docs/latest/commands/xadd/#specifying-a-stream-id-as-an-argument
 */
// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const EPOCH_SCRIPT = defineLuaScript(EVENT_LOG_EPOCH_LUA);
export const HEAD_SCRIPT = defineLuaScript(EVENT_LOG_HEAD_LUA);
export const APPEND_SCRIPT = defineLuaScript(EVENT_LOG_APPEND_LUA);
export const READ_SCRIPT = defineLuaScript(EVENT_LOG_READ_LUA);
export const TRIM_SCRIPT = defineLuaScript(EVENT_LOG_TRIM_LUA);
export const ROLLBACK_SCRIPT = defineLuaScript(EVENT_LOG_ROLLBACK_LUA);

/** The connection a subscription blocks on: XREAD, and the read script sent right behind it. */
export interface RedisBlockingClient extends RedisStoreClient {
  xRead(streams: { key: string; id: string }, options: { BLOCK: number; COUNT: number }): Promise<unknown>;
}

/** A connection the log opens for itself (`client.duplicate()`), and closes when the subscription stops. */
export interface RedisOwnedConnection extends RedisBlockingClient {
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Any node-redis client (or cluster); `duplicate` is needed unless a `blockingClient` is given. */
export type RedisEventLogClient = RedisStoreClient & { duplicate?(): RedisOwnedConnection };

export interface RedisEventLogOptions extends RedisStoreOptions {
  retention?: EventLogRetention;
  /**
   * The connection the subscription blocks on (XREAD BLOCK), connected and owned by the caller: the
   * log never closes it, and only one subscription may use it at a time. Without it, each
   * subscription opens its own `client.duplicate()` and closes it on stop. Never the shared client:
   * a blocked read would hold up every command queued behind it.
   */
  blockingClient?: RedisBlockingClient;
  /**
   * How long one blocking read waits (ms). Also how soon an idle subscription notices a reset whose
   * new epoch has no entry yet, and how long `stop()` may wait with a caller's `blockingClient`.
   */
  blockMs?: number;
  /** At most this many entries per subscription read (one `onEntries` call). */
  readBatch?: number;
  /** At most this many entries dropped by one `trim()` call. */
  trimBatch?: number;
}

const DEFAULTS = { blockMs: 2_000, readBatch: 500, trimBatch: 10_000 };
/** At most this many entries per append script call (a bound on one script's run time and reply). */
const APPEND_BATCH = 500;

/** An entry's stream fields but `at`, in APPEND_SCRIPT's argument order: to, ev, data, ex. */
type AppendFields = [to: string, event: string, data: string, except: string];
const MAX_BACKOFF_MS = 2_000;

/**
 * The event log in one Redis Stream, shared by every node (see the key layout above).
 *
 * - `append`: one script call per synchronous run of appends (epoch check, XADD with MAXLEN ~
 *   maxEntries for each, in order); see `commit`.
 * - `readRange`: one script call that checks for a gap and reads in the same atomic step.
 * - `trim`: the time window (and the exact count), at most `trimBatch` entries per call; run it
 *   periodically (one XADD cannot carry both MAXLEN and MINID).
 * - `subscribe`: a loop on its own connection: XREAD BLOCK (COUNT 1, only to wait) pipelined with
 *   the read script, which then reads the batch with the same exact gap and epoch checks as
 *   `readRange`. Every entry after `from` is delivered once, in order. Transient errors (Redis
 *   down, restarting) go to `onError` and the loop retries with backoff; when it cannot continue
 *   exactly it calls `onError` with an `EventLogResyncError` first (see there): 'reset' when the
 *   epoch changed, 'gap' when entries were trimmed before it read them or `from` is not a position
 *   of this log. The epoch it compares with is the one this object's `epoch()` last returned (or,
 *   before any `epoch()` call, the one current when the subscription starts): call `epoch()`, then
 *   `head()`, then `subscribe(head)`, and a reset in between is reported rather than missed.
 *
 * `client` must be connected; the log does not own it (quit it after the log). `close()` stops the
 * subscriptions, closing the connections they opened.
 */
export function createRedisEventLog(
  client: RedisEventLogClient,
  { keyPrefix, retention = DEFAULT_EVENT_LOG_RETENTION, blockingClient, ...tuning }: RedisEventLogOptions,
): EventLog {
  const { blockMs, readBatch, trimBatch } = { ...DEFAULTS, ...tuning };
  if (!(retention.maxEntries >= 1)) throw new RangeError(`event log: maxEntries must be at least 1, got ${retention.maxEntries}`);
  if (!(trimBatch >= 1 && readBatch >= 1 && blockMs >= 1)) {
    throw new RangeError('event log: blockMs, readBatch and trimBatch must be at least 1');
  }
  if (!blockingClient && typeof client.duplicate !== 'function') {
    throw new TypeError('event log: pass a blockingClient, or a client with duplicate() for the subscriptions');
  }
  const keys = [`${keyPrefix}log`, `${keyPrefix}log:epoch`];
  const maxEntries = String(Math.min(Math.floor(retention.maxEntries), Number.MAX_SAFE_INTEGER));
  // The id a new epoch gets if this call has to start one (Lua's random numbers are not random).
  const freshId = () => randomBytes(9).toString('base64url');
  let knownEpoch: string | undefined;
  let blockingClientInUse = false;
  const subscriptions = new Set<{ stop(): Promise<void> }>();

  /**
   * Group commit (../group-commit.ts): appends wait while one script call is under way, and the next
   * call carries all of them (at most APPEND_BATCH entries per call, in call order). One round trip
   * and one command's client overhead for the lot instead of one each: a loop of emits, or a
   * broadcast to many users, costs about one call per batch (the bench's log part measured ~120 µs
   * of node CPU per emitToUser with a call each). One call at a time also keeps call order even when
   * a call has to resend its script (NOSCRIPT after a Redis restart). Each entry is serialised when
   * `append` is called, so changing the payload afterwards changes nothing. A failed call rejects the
   * appends it carried, and the next batch still goes.
   */
  /** The newest entry this object appended: the append script compares the head with it to catch a rollback. */
  let newest: { epoch: string; seq: bigint } | undefined;
  const writeBatch = async (chunk: AppendFields[]): Promise<LogEntry[]> => {
    const args = [freshId(), maxEntries, newest?.epoch ?? '', String(newest?.seq ?? 0n)];
    for (const values of chunk) args.push(...values);
    try {
      const reply = await APPEND_SCRIPT.run(client, keys, args);
      const [epoch, at, ...ids] = Array.isArray(reply) ? reply : [];
      if (ids.length !== chunk.length) throw new Error(`event log: append replied ${ids.length} ids for ${chunk.length} entries`);
      if (typeof epoch === 'string' && ids.length > 0) newest = { epoch, seq: seqOf(asString(ids[ids.length - 1], 'append')) };
      const atField = asString(at, 'append');
      return chunk.map(([to, ev, data, ex], i) => toEntry(asString(ids[i], 'append'), ['to', to, 'ev', ev, 'data', data, 'ex', ex, 'at', atField]));
    } catch (error) {
      throw error instanceof Error ? error : new Error(String(error));
    }
  };
  const commit = createGroupCommit({ write: writeBatch, maxBatch: APPEND_BATCH });

  const log: EventLog = {
    retention,
    async epoch() {
      const epoch = asString(await EPOCH_SCRIPT.run(client, keys, [freshId()]), 'epoch');
      knownEpoch = epoch;
      return epoch;
    },
    async append(input, dataJson) {
      const to = JSON.stringify(input.to);
      const data = input.data === undefined ? '' : (dataJson ?? JSON.stringify(input.data) ?? '');
      return commit([to, input.event, data, input.exceptSocketId ?? '']);
    },
    async head() {
      return asString(await HEAD_SCRIPT.run(client, keys, [freshId()]), 'head');
    },
    async readRange(after, until, limit) {
      const count = Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER));
      const args = [freshId(), canonical(after), canonical(until), String(count), 'range'];
      const read = parseRead(await READ_SCRIPT.run(client, keys, args));
      if (read.status === 'gap') return 'gap';
      // Ids are dense: a hole (an entry deleted by hand) is a gap too, never skipped silently.
      return isContiguous(read.entries, read.from) ? read.entries : 'gap';
    },
    subscribe(from, onEntries, onError) {
      const start = canonical(from);
      if (blockingClient) {
        if (blockingClientInUse) throw new Error('event log: the blockingClient is already used by another subscription');
        blockingClientInUse = true;
      }
      const subscription = tail(start, guardedSubscriber(onEntries, onError), onError, knownEpoch, () => {
        blockingClientInUse = false;
        subscriptions.delete(subscription);
      });
      subscriptions.add(subscription);
      return subscription;
    },
    async trim() {
      const dropped = await TRIM_SCRIPT.run(client, keys, [freshId(), String(retention.retentionMs), maxEntries, String(trimBatch)]);
      return asNumber(dropped, 'trim');
    },
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
    },
  };

  function tail(
    from: string,
    deliver: (entries: LogEntry[]) => void,
    onError: ((error: Error) => void) | undefined,
    expectedEpoch: string | undefined,
    onStopped: () => void,
  ): { stop(): Promise<void> } {
    let stopped = false;
    let owned: RedisOwnedConnection | undefined;
    let connection: RedisBlockingClient | undefined = blockingClient;
    let wakeUp: (() => void) | undefined;
    const report = (error: unknown) => onError?.(error instanceof Error ? error : new Error(String(error)));
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    const open = async (): Promise<RedisBlockingClient> => {
      const copy = client.duplicate!();
      copy.on('error', () => {}); // a lost connection shows as a failed read; node-redis reconnects
      owned = copy;
      try {
        await copy.connect();
      } catch (error) {
        owned = undefined;
        destroyQuietly(copy);
        throw error;
      }
      return copy;
    };

    const run = async () => {
      let epoch = expectedEpoch;
      let position = from;
      let caughtUp = false; // then wait for news with a blocking read before reading again
      let backoff = 0;
      while (!stopped) {
        try {
          connection ??= await open();
          const args = [freshId(), position, '+', String(readBatch), 'tail'];
          let reply: unknown;
          if (caughtUp) {
            // Pipelined on one connection: Redis runs the script only once XREAD returns (an entry
            // after `position` exists, or the block timed out), so one round trip per batch.
            const woken = connection.xRead({ key: keys[0]!, id: position }, { BLOCK: blockMs, COUNT: 1 });
            const read = READ_SCRIPT.run(connection, keys, args);
            [, reply] = await Promise.all([woken, read]);
          } else {
            reply = await READ_SCRIPT.run(connection, keys, args);
          }
          if (stopped) break;
          const read = parseRead(reply);
          backoff = 0;
          epoch ??= read.epoch;
          if (read.epoch !== epoch) {
            // The log was reset: nothing of the old epoch can be read any more. Start the new one from its beginning.
            onError?.(new EventLogResyncError('reset', read.epoch, '0-0', epoch));
            epoch = read.epoch;
            position = '0-0';
            caughtUp = false;
            continue;
          }
          if (read.status === 'gap' && seqOf(read.from) < seqOf(position)) {
            // Behind our own position: the log went back in time. The next read reports the reset.
            await ROLLBACK_SCRIPT.run(connection, keys, [freshId(), epoch]);
            caughtUp = false;
            continue;
          }
          if (read.status === 'gap') onError?.(new EventLogResyncError('gap', epoch, read.from));
          // Ids are dense: an entry that does not follow the one before it means a hole (deleted by
          // hand), reported like a gap right where it is.
          let after = read.from;
          let chunk: LogEntry[] = [];
          for (const entry of read.entries) {
            if (seqOf(entry.position) !== seqOf(after) + 1n) {
              if (chunk.length) deliver(chunk);
              chunk = [];
              onError?.(new EventLogResyncError('gap', epoch, after));
            }
            chunk.push(entry);
            after = entry.position;
          }
          if (chunk.length) deliver(chunk);
          position = after;
          caughtUp = read.entries.length < readBatch;
        } catch (error) {
          if (stopped) break;
          report(error);
          caughtUp = false;
          backoff = Math.min(Math.max(backoff * 2, 50), MAX_BACKOFF_MS);
          await pause(backoff);
        }
      }
    };

    const done = run().finally(() => {
      if (owned) destroyQuietly(owned);
      onStopped();
    });
    return {
      async stop() {
        stopped = true;
        wakeUp?.();
        // Ends a blocked read at once (its rejection is ignored: stopped). A caller's blockingClient
        // is left alone: the loop ends when its current read returns (within blockMs).
        if (owned) destroyQuietly(owned);
        owned = undefined;
        await done;
      },
    };
  }

  return log;
}

/** `<ms>-<seq>` without leading zeros, so the scripts can compare the parts as text. Throws on a malformed one. */
function canonical(position: string): string {
  if (!isPosition(position)) throw new TypeError(`Not a log position: ${JSON.stringify(position)}`);
  const [ms, seq] = position.split('-') as [string, string];
  return `${BigInt(ms)}-${BigInt(seq)}`;
}

function seqOf(position: string): bigint {
  return BigInt(position.slice(position.indexOf('-') + 1));
}

/** Whether `entries` follow `after` one by one (ids are dense within an epoch; '0-0' is seq 0). */
function isContiguous(entries: LogEntry[], after: string): boolean {
  let expected = seqOf(after) + 1n;
  for (const entry of entries) {
    if (seqOf(entry.position) !== expected) return false;
    expected += 1n;
  }
  return true;
}

function parseRead(reply: unknown) {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || (reply[1] !== 'ok' && reply[1] !== 'gap')) {
    throw new TypeError(`event log: unexpected read reply ${JSON.stringify(reply)}`);
  }
  const [epoch, status, from, raw] = reply as [string, 'ok' | 'gap', unknown, unknown];
  const entries = Array.isArray(raw) ? raw.map(parseEntry) : [];
  const start = typeof from === 'string' ? from : '0-0';
  return {
    epoch,
    status,
    from: start === `${epoch.slice(0, epoch.indexOf('.'))}-0` ? '0-0' : start,
    entries,
  };
}

function parseEntry(raw: unknown): LogEntry {
  const [id, fields] = Array.isArray(raw) ? raw : [];
  if (typeof id !== 'string' || !Array.isArray(fields)) throw new TypeError(`event log: unexpected entry ${JSON.stringify(raw)}`);
  return toEntry(id, fields);
}

function toEntry(id: string, fields: unknown[]): LogEntry {
  const field: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) field[String(fields[i])] = String(fields[i + 1]);
  const entry: LogEntry = {
    position: id,
    at: Number(field.at),
    to: JSON.parse(field.to ?? 'null') as EventAddress,
    event: field.ev ?? '',
    data: field.data ? (JSON.parse(field.data) as unknown) : undefined,
  };
  if (field.ex) entry.exceptSocketId = field.ex;
  return entry;
}

function destroyQuietly(connection: RedisOwnedConnection): void {
  try {
    connection.destroy();
  } catch {
    // already closed
  }
}

function asString(reply: unknown, what: string): string {
  if (typeof reply !== 'string') throw new TypeError(`${what}: expected a string from Redis, got ${JSON.stringify(reply)}`);
  return reply;
}

function asNumber(reply: unknown, what: string): number {
  if (typeof reply !== 'number') throw new TypeError(`${what}: expected a number from Redis, got ${JSON.stringify(reply)}`);
  return reply;
}
