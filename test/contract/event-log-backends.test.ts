/**
 * What is particular to each event log backend beyond the shared contract: memory's batch timing
 * (the embedded log's) and injected clock; SQLite's marker and
 * ids across reopen, its bounded trim and schema step; Redis's epoch (FLUSHALL, restart, one key
 * lost), its dedicated blocking connection, a subscriber that falls behind, MAXLEN ~ without
 * trim(), the key layout; and the Redis rate limiter's keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog, LogEntry, LogEntryInput } from 'socket-gateway/advanced';
import { EventLogResyncError } from 'socket-gateway/advanced';
import { createMemoryEventLog } from 'socket-gateway/advanced';
import { createSqliteEventLog, openDatabase, SCHEMA_VERSION } from 'socket-gateway/stores/sqlite';
import { createRedisEventLog, createRedisRateLimitStore, type RedisBlockingClient } from 'socket-gateway/stores/redis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const newClient = (url: string) => createClient({ url });
type RedisClient = ReturnType<typeof newClient>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const input = (n: number): LogEntryInput => ({ to: { kind: 'all' }, event: `ev${n}`, data: { n } });

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(20)) {
    if (Date.now() > deadline) throw new Error('timed out');
  }
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function appendAll(log: EventLog, count: number, from = 0): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (let i = 0; i < count; i++) out.push(await log.append(input(from + i)));
  return out;
}

/** What a subscription delivered and reported, in the order it happened. */
function recorder() {
  const timeline: Array<{ entry: string } | { error: Error }> = [];
  const positions: string[] = [];
  const errors: Error[] = [];
  return {
    timeline,
    positions,
    errors,
    resyncs: () => errors.filter((error): error is EventLogResyncError => error instanceof EventLogResyncError),
    onEntries: (entries: LogEntry[]) => {
      for (const entry of entries) {
        positions.push(entry.position);
        timeline.push({ entry: entry.position });
      }
    },
    onError: (error: Error) => {
      errors.push(error);
      timeline.push({ error });
    },
  };
}

// ---------------------------------------------------------------------------------------- memory

describe('memory event log', () => {
  it("keeps the embedded log's timing: the appends of one tick reach a subscriber as one batch after the tick, before any of them resolves", async () => {
    const log = createMemoryEventLog();
    const calls: string[][] = [];
    const subscription = log.subscribe(await log.head(), (entries) => calls.push(entries.map((entry) => entry.position)));
    const deliveredWhenResolved: number[] = [];
    const appends = [0, 1, 2].map((n) => log.append(input(n)).then((entry) => (deliveredWhenResolved.push(calls.length), entry)));
    expect(calls).toEqual([]); // not inside append: code right after an emit runs before delivery, as in production
    expect(await log.head()).toBe('0-0'); // positions are handed out with the batch
    const entries = await Promise.all(appends);
    expect(entries.map((entry) => entry.position)).toEqual(['0-1', '0-2', '0-3']);
    expect(calls).toEqual([['0-1', '0-2', '0-3']]);
    expect(deliveredWhenResolved).toEqual([1, 1, 1]);
    expect((await log.append(input(3))).position).toBe('0-4');
    expect(calls).toEqual([['0-1', '0-2', '0-3'], ['0-4']]);
    await subscription.stop();
  });

  it('stamps entries and judges their age by the clock it is given', async () => {
    let t = 1_000_000;
    const log = createMemoryEventLog({ retentionMs: 1_000, maxEntries: 100 }, { now: () => t });
    const old = await log.append(input(0));
    expect(old.at).toBe(1_000_000);
    t += 1_001;
    const young = await log.append(input(1));
    expect(await log.trim()).toBe(1);
    expect(await log.readRange(old.position, young.position, 10)).toEqual([young]);
  });
});

// ---------------------------------------------------------------------------------------- sqlite

describe('sqlite event log', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tempPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-log-'));
    dirs.push(dir);
    return join(dir, 'gateway.db');
  };

  it('keeps the trimmed-through marker across reopening: still exact about gaps', async () => {
    const path = tempPath();
    let db = openDatabase(path);
    const entries = await appendAll(createSqliteEventLog(db, { retentionMs: 3_600_000, maxEntries: 2 }), 5);
    expect(await createSqliteEventLog(db, { retentionMs: 3_600_000, maxEntries: 2 }).trim()).toBe(0); // the appends kept the bound themselves
    db.close();
    db = openDatabase(path);
    const log = createSqliteEventLog(db);
    expect(await log.readRange(entries[1]!.position, entries[4]!.position, 10)).toBe('gap');
    expect(await log.readRange(entries[2]!.position, entries[4]!.position, 10)).toEqual(entries.slice(3));
    db.close();
  });

  it('maxEntries holds at every commit, with no trim(): a burst of 60,000 appends never leaves more than 1,000 rows (F3)', async () => {
    const db = openDatabase(tempPath());
    const log = createSqliteEventLog(db, { retentionMs: 3_600_000, maxEntries: 1_000 });
    const rows = db.prepare('SELECT count(*) FROM event_log').pluck();
    // Checked inside each delivery: right after the batch's commit, before any append resolves.
    let most = 0;
    const subscription = log.subscribe(await log.head(), () => {
      most = Math.max(most, rows.get() as number);
    });
    const entries: LogEntry[] = [];
    for (let round = 0; round < 30; round++)
      entries.push(...(await Promise.all(Array.from({ length: 2_000 }, (_, i) => log.append(input(round * 2_000 + i))))));
    expect(most).toBe(1_000);
    expect(rows.get()).toBe(1_000);
    expect(await log.readRange(entries.at(-1_001)!.position, entries.at(-1)!.position, 2_000)).toEqual(entries.slice(-1_000));
    expect(await log.readRange(entries.at(-1_002)!.position, entries.at(-1)!.position, 2_000)).toBe('gap');
    await subscription.stop();
    db.close();
  });

  it('never hands out a position twice, even once the newest rows were trimmed and the file reopened', async () => {
    const path = tempPath();
    let db = openDatabase(path);
    const first = await appendAll(createSqliteEventLog(db, { retentionMs: 1, maxEntries: 100 }), 3);
    await sleep(10);
    expect(await createSqliteEventLog(db, { retentionMs: 1, maxEntries: 100 }).trim()).toBe(3);
    db.close();
    db = openDatabase(path);
    const log = createSqliteEventLog(db);
    expect(await log.head()).toBe(first[2]!.position);
    const next = await log.append(input(3));
    expect(next.position).toBe('0-4');
    expect(await log.readRange(first[2]!.position, next.position, 10)).toEqual([next]);
    db.close();
  });

  it('appends of one tick go in as one batch: one commit, one onEntries call in call order, delivered before any append resolves', async () => {
    const db = openDatabase(tempPath());
    const log = createSqliteEventLog(db);
    const calls: string[][] = [];
    const subscription = log.subscribe(await log.head(), (entries) => calls.push(entries.map((entry) => entry.position)));
    const walFrames = () => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    db.pragma('wal_checkpoint(TRUNCATE)');

    const deliveredWhenResolved: number[] = [];
    const appends = [0, 1, 2].map((n) => log.append(input(n)).then((entry) => (deliveredWhenResolved.push(calls.length), entry)));
    expect(calls).toEqual([]); // inserted in a microtask, after this synchronous run
    const entries = await Promise.all(appends);
    expect(entries.map((entry) => entry.position)).toEqual(['0-1', '0-2', '0-3']);
    expect(entries.map((entry) => entry.event)).toEqual(['ev0', 'ev1', 'ev2']);
    expect(calls).toEqual([['0-1', '0-2', '0-3']]);
    expect(deliveredWhenResolved).toEqual([1, 1, 1]);
    // One transaction: the commit wrote the table's page and sqlite_sequence's once, not three times.
    const framesForThree = walFrames();
    expect(framesForThree).toBeGreaterThan(0);
    expect(framesForThree).toBeLessThanOrEqual(3);

    // A later tick is a batch of its own.
    expect((await log.append(input(3))).position).toBe('0-4');
    expect(calls).toEqual([['0-1', '0-2', '0-3'], ['0-4']]);

    // The payload is taken at the call: changing it afterwards changes nothing.
    const data = { n: 5 };
    const pending = log.append({ to: { kind: 'all' }, event: 'ev5', data });
    data.n = 6;
    expect((await pending).data).toEqual({ n: 5 });

    // A payload that cannot be stored rejects its own append only; the rest of the batch goes in.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const [before, bad, after] = await Promise.allSettled([
      log.append(input(6)),
      log.append({ to: { kind: 'all' }, event: 'bad', data: circular }),
      log.append(input(7)),
    ]);
    expect(before).toMatchObject({ status: 'fulfilled', value: { position: '0-6' } });
    expect(bad.status).toBe('rejected');
    expect(after).toMatchObject({ status: 'fulfilled', value: { position: '0-7' } });
    expect(await log.readRange('0-0', '0-7', 10)).toHaveLength(7);
    await subscription.stop();
    db.close();
  });

  it('a batch whose transaction fails rejects every append in it and stores none of them', async () => {
    const db = openDatabase(tempPath());
    const log = createSqliteEventLog(db);
    await log.append(input(0));
    // Another connection holds the write lock past the busy timeout: the batch's commit cannot start.
    const path = db.name;
    const other = openDatabase(path);
    db.pragma('busy_timeout = 0');
    other.prepare('BEGIN IMMEDIATE').run();
    const results = await Promise.allSettled([log.append(input(1)), log.append(input(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    other.prepare('ROLLBACK').run();
    other.close();
    expect(await log.head()).toBe('0-1');
    expect((await log.append(input(3))).position).toBe('0-2');
    db.close();
  });

  it('trim deletes at most 10,000 rows per call by default', async () => {
    const db = openDatabase(tempPath());
    const log = createSqliteEventLog(db, { retentionMs: 1, maxEntries: 1_000_000 });
    const insert = db.prepare('INSERT INTO event_log (at, address, event, data) VALUES (?, \'{"kind":"all"}\', \'x\', NULL)');
    db.transaction(() => {
      for (let i = 0; i < 10_030; i++) insert.run(Date.now() - 60_000);
    })();
    expect(await log.trim()).toBe(10_000);
    expect(await log.trim()).toBe(30);
    expect(await log.trim()).toBe(0);
    expect(await log.readRange('0-10029', '0-10030', 10)).toBe('gap');
    expect(await log.readRange('0-10030', '0-10030', 10)).toEqual([]);
    db.close();
  });

  it('a database from before the event log gets its tables by the schema step, and keeps its data', async () => {
    const path = tempPath();
    let db = openDatabase(path);
    db.prepare("INSERT INTO memberships (user_id, room) VALUES ('bob', 'lobby')").run();
    db.exec('DROP TABLE event_log; DROP TABLE event_log_meta;');
    db.pragma('user_version = 1');
    db.close();
    db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2); // the event log's tables are step 2
    const log = createSqliteEventLog(db);
    expect((await log.append(input(0))).position).toBe('0-1');
    expect(db.prepare('SELECT room FROM memberships').pluck().all()).toEqual(['lobby']);
    db.close();
  });

  it("a second connection's appends are read back by readRange and a new subscriber's backlog (not live: one writer per node)", async () => {
    const path = tempPath();
    const db = openDatabase(path);
    const other = openDatabase(path);
    const log = createSqliteEventLog(db);
    const otherLog = createSqliteEventLog(other);
    expect(await otherLog.epoch()).toBe(await log.epoch());
    const written = await appendAll(otherLog, 2);
    expect(await log.readRange('0-0', await log.head(), 10)).toEqual(written);
    const seen = recorder();
    const subscription = log.subscribe('0-0', seen.onEntries, seen.onError);
    expect(seen.positions).toEqual(written.map((entry) => entry.position));
    await subscription.stop();
    db.close();
    other.close();
  });
});

// ----------------------------------------------------------------------------------------- redis

describe('redis event log', () => {
  let server: RedisServer;
  let client: RedisClient;
  let other: RedisClient;
  let prefixes = 0;
  const prefix = () => `e${++prefixes}:`;
  const logs: EventLog[] = [];
  const open = (options: Partial<Parameters<typeof createRedisEventLog>[1]> = {}, on: RedisClient = client) => {
    const log = createRedisEventLog(on, { keyPrefix: prefix(), blockMs: 300, ...options });
    logs.push(log);
    return log;
  };
  const connect = async () => {
    const connection = newClient(server.url);
    connection.on('error', () => {}); // restarts are part of these tests
    await connection.connect();
    return connection;
  };
  const connections = async () => (await client.sendCommand(['CLIENT', 'LIST'])) as string;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await connect();
    other = await connect();
  });
  afterAll(async () => {
    await Promise.all(logs.map((log) => log.close?.()));
    await client?.quit();
    await other?.quit();
    await server?.stop();
  });

  /** How many script calls (EVALSHA and EVAL) Redis has served so far. */
  const scriptCalls = async () => {
    const stats = (await client.sendCommand(['INFO', 'commandstats'])) as string;
    return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  it('appends made together travel in one script call, in call order; the payload is taken at the call; a bad one fails alone', async () => {
    const log = open();
    // The epoch exists and Redis knows the script (no NOSCRIPT retry): the calls counted below are appends only.
    const warm = await log.append(input(-1));
    const before = await scriptCalls();
    const entries = await Promise.all([0, 1, 2, 3, 4].map((n) => log.append(input(n))));
    expect(await scriptCalls()).toBe(before + 1);
    const seqs = entries.map((entry) => Number(entry.position.split('-')[1]));
    expect(seqs).toEqual([2, 3, 4, 5, 6]);
    expect(entries.map((entry) => entry.event)).toEqual(['ev0', 'ev1', 'ev2', 'ev3', 'ev4']);
    expect((await log.readRange(warm.position, entries[4]!.position, 10)) as LogEntry[]).toEqual(entries);

    const data = { n: 5 };
    const pending = log.append({ to: { kind: 'all' }, event: 'ev5', data });
    data.n = 6;
    expect((await pending).data).toEqual({ n: 5 });

    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const [first, bad, last] = await Promise.allSettled([
      log.append(input(6)),
      log.append({ to: { kind: 'all' }, event: 'bad', data: circular }),
      log.append(input(7)),
    ]);
    expect(bad.status).toBe('rejected');
    expect(first.status === 'fulfilled' && last.status === 'fulfilled').toBe(true);
    const positions = [first, last].map((r) => (r as PromiseFulfilledResult<LogEntry>).value.position.split('-')[1]);
    expect(positions).toEqual(['8', '9']);
  });

  it('a burst larger than one batch goes in several calls, one after another, every entry once and in call order', async () => {
    const log = open();
    await log.append(input(-1));
    const before = await scriptCalls();
    const entries = await Promise.all(Array.from({ length: 1_234 }, (_, n) => log.append(input(n))));
    expect(await scriptCalls()).toBe(before + 3); // 500 + 500 + 234
    expect(entries.map((entry) => Number(entry.position.split('-')[1]))).toEqual(Array.from({ length: 1_234 }, (_, n) => n + 2));
    expect(entries.map((entry) => entry.event)).toEqual(Array.from({ length: 1_234 }, (_, n) => `ev${n}`));
  });

  it('appends keep their call order across a script cache flush (NOSCRIPT, as after a restart)', async () => {
    const log = open();
    await log.head();
    await client.sendCommand(['SCRIPT', 'FLUSH']);
    const first = log.append(input(0));
    await Promise.resolve(); // the first call is under way (EVALSHA, then EVAL) when the rest are made
    const rest = [1, 2, 3].map((n) => log.append(input(n)));
    const entries = await Promise.all([first, ...rest]);
    expect(entries.map((entry) => entry.event)).toEqual(['ev0', 'ev1', 'ev2', 'ev3']);
    expect(entries.map((entry) => Number(entry.position.split('-')[1]))).toEqual([1, 2, 3, 4]);
  });

  it('keeps two keys, and a trim down to nothing leaves the (empty) stream in place', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix, retention: { retentionMs: 1, maxEntries: 100 } });
    await appendAll(log, 3);
    expect((await client.keys(`${keyPrefix}*`)).sort()).toEqual([`${keyPrefix}log`, `${keyPrefix}log:epoch`]);
    await sleep(10);
    expect(await log.trim()).toBe(3);
    expect(await client.xLen(`${keyPrefix}log`)).toBe(0);
    expect(await client.exists(`${keyPrefix}log`)).toBe(1);
    const epoch = await log.epoch();
    expect(await client.get(`${keyPrefix}log:epoch`)).toBe(epoch);
    // Every position of the epoch starts with its <ms>.
    expect((await log.append(input(3))).position).toBe(`${epoch.split('.')[0]}-4`);
  });

  it('after FLUSHALL an append lands in a new epoch, atomically: its position carries the new epoch', async () => {
    const log = open();
    const before = await log.epoch();
    const old = await appendAll(log, 2);
    await server.flushAll();
    const entry = await log.append(input(2));
    const after = await log.epoch();
    expect(after).not.toBe(before);
    expect(entry.position).toBe(`${after.split('.')[0]}-1`);
    expect(await log.readRange(old[1]!.position, entry.position, 10)).toBe('gap');
    expect(await log.readRange('0-0', entry.position, 10)).toEqual([entry]);
  });

  it('losing either key alone (evicted, deleted by hand) starts a new epoch, never a stream under a stale epoch', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    await appendAll(log, 3);
    const first = await log.epoch();
    await client.del(`${keyPrefix}log`);
    const second = await log.epoch();
    expect(second).not.toBe(first);
    expect(await log.head()).toBe('0-0');
    await appendAll(log, 2);
    await client.del(`${keyPrefix}log:epoch`);
    expect(await log.epoch()).not.toBe(second);
    expect(await log.head()).toBe('0-0'); // the orphaned stream went with its epoch
  });

  it('MAXLEN ~ bounds the stream without trim(), and gaps stay exact around what it dropped', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix, retention: { retentionMs: 3_600_000, maxEntries: 50 } });
    const entries = await Promise.all(Array.from({ length: 400 }, (_, i) => log.append(input(i))));
    const length = await client.xLen(`${keyPrefix}log`);
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThan(400);
    const firstLeft = 400 - length; // index of the oldest entry left
    const head = entries.at(-1)!.position;
    expect(await log.readRange(entries[firstLeft - 1]!.position, head, 1000)).toEqual(entries.slice(firstLeft));
    expect(await log.readRange(entries[firstLeft - 2]!.position, head, 1000)).toBe('gap');
  });

  it('a subscriber hears of FLUSHALL as a reset before any entry of the new epoch, then gets that epoch from its start', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    const writer = open({ keyPrefix }, other);
    const oldEpoch = await log.epoch();
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    const old = await appendAll(writer, 2);
    await waitFor(() => seen.positions.length >= 2, 'the old entries');
    await server.flushAll();
    const fresh = await appendAll(writer, 3, 2);
    await waitFor(() => seen.positions.length >= 5, 'the new epoch');
    await sleep(100);
    const newEpoch = await log.epoch();
    expect(seen.timeline.map((item) => ('entry' in item ? item.entry : 'reset'))).toEqual([
      ...old.map((entry) => entry.position),
      'reset',
      ...fresh.map((entry) => entry.position),
    ]);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(EventLogResyncError);
    expect(seen.errors[0]).toMatchObject({ reason: 'reset', previousEpoch: oldEpoch, epoch: newEpoch, position: '0-0' });
    await subscription.stop();
  });

  it('an idle subscriber notices a reset within its blockMs, even before the new epoch has an entry', async () => {
    const log = open({ blockMs: 200 });
    await log.epoch();
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    await sleep(50);
    await server.flushAll();
    await waitFor(() => seen.errors.length >= 1, 'the reset', 2_000);
    expect(seen.errors[0]).toMatchObject({ reason: 'reset' });
    const next = await log.append(input(0));
    await waitFor(() => seen.positions.length >= 1, 'the next entry');
    expect(seen.positions).toEqual([next.position]);
    await subscription.stop();
  });

  it('a reset between epoch() and subscribe() is reported, not missed', async () => {
    const log = open();
    await log.epoch();
    const from = (await appendAll(log, 2)).at(-1)!.position;
    await server.flushAll();
    const seen = recorder();
    const subscription = log.subscribe(from, seen.onEntries, seen.onError);
    await waitFor(() => seen.errors.length >= 1, 'the reset');
    expect(seen.errors[0]).toMatchObject({ reason: 'reset' });
    await subscription.stop();
  });

  it('a subscriber that fell behind the retention is told of the gap, then gets what is left, in order', async () => {
    // Its reads are held back at a gate, standing in for a node stalled for longer than the retention.
    const blocking = await connect();
    let gate: Promise<void> = Promise.resolve();
    let openGate = () => {};
    const held: RedisBlockingClient = {
      eval: async (...args) => {
        await gate;
        return blocking.eval(...args);
      },
      evalSha: async (...args) => {
        await gate;
        return blocking.evalSha(...args);
      },
      sMembers: (key) => blocking.sMembers(key),
      sIsMember: (key, member) => blocking.sIsMember(key, member),
      get: (key) => blocking.get(key),
      xRead: (streams, options) => blocking.xRead(streams, options),
    };
    const keyPrefix = prefix();
    const log = open({ keyPrefix, blockingClient: held, retention: { retentionMs: 3_600_000, maxEntries: 3 } });
    const writer = open({ keyPrefix, retention: { retentionMs: 3_600_000, maxEntries: 3 } });
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    await sleep(50);
    // The read already sent behind the blocked XREAD delivers the first entry; the next one waits at the gate.
    gate = new Promise((resolve) => (openGate = resolve));
    const entries = await appendAll(writer, 1);
    await waitFor(() => seen.positions.length >= 1, 'the first entry');
    entries.push(...(await appendAll(writer, 7, 1)));
    expect(await writer.trim()).toBe(5);
    openGate();
    await waitFor(() => seen.positions.length >= 4, 'what is left');
    await sleep(100);
    expect(seen.timeline.map((item) => ('entry' in item ? item.entry : (item.error as EventLogResyncError).reason))).toEqual([
      entries[0]!.position,
      'gap',
      ...entries.slice(5).map((entry) => entry.position),
    ]);
    expect(seen.errors[0]).toMatchObject({ position: entries[4]!.position });
    await subscription.stop();
    expect(await blocking.ping()).toBe('PONG'); // the caller's connection is left open
    await blocking.quit();
  });

  it('survives its connection being killed: no reset, nothing lost, nothing twice', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    const writer = open({ keyPrefix }, other);
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    const entries = await appendAll(writer, 3);
    await waitFor(() => seen.positions.length >= 3, 'the first entries');
    const list = await connections();
    const blocked = /id=(\d+) [^\n]*cmd=xread/.exec(list)?.[1];
    expect(blocked).toBeDefined();
    await client.sendCommand(['CLIENT', 'KILL', 'ID', blocked!]);
    entries.push(...(await appendAll(writer, 3, 3)));
    await waitFor(() => seen.positions.length >= 6, 'the entries after the kill');
    await sleep(100);
    expect(seen.positions).toEqual(entries.map((entry) => entry.position));
    expect(seen.resyncs()).toEqual([]);
    await subscription.stop();
  });

  it('keeps going across a Redis restart (no persistence): reports it as a reset and delivers the new epoch', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    const writer = open({ keyPrefix }, other);
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    await appendAll(writer, 2);
    await waitFor(() => seen.positions.length >= 2, 'the first entries');
    await server.restart();
    const fresh = await appendAll(writer, 2, 2); // node-redis reconnects; the offline queue waits
    await waitFor(() => seen.positions.length >= 4, 'the entries after the restart');
    await sleep(100);
    expect(seen.positions.slice(2)).toEqual(fresh.map((entry) => entry.position));
    expect(seen.resyncs().map((error) => error.reason)).toEqual(['reset']);
    await subscription.stop();
  });

  it('a restart from an older snapshot (the epoch survives, the stream goes back) is a reset to a new epoch, not a gap', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    const writer = open({ keyPrefix }, other);
    const oldEpoch = await log.epoch();
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    await appendAll(writer, 2);
    const backup = await server.snapshot();
    const lost = await appendAll(writer, 2, 2); // after the backup: gone once it is restored
    await waitFor(() => seen.positions.length >= 4, 'the entries before the restore');
    await server.restart({ fromSnapshot: backup });
    // Appended at once (node-redis queues them until it is back): the writer notices the rollback itself.
    const fresh = await appendAll(writer, 2, 4);
    await waitFor(() => seen.positions.length >= 6, 'the entries after the restore');
    expect(seen.resyncs().map((error) => error.reason)).toEqual(['reset']);
    expect(seen.resyncs()[0]).toMatchObject({ previousEpoch: oldEpoch });
    expect(await log.epoch()).not.toBe(oldEpoch);
    // The new entries never reuse a position a client was already given for a lost one.
    expect(seen.positions.slice(4)).toEqual(fresh.map((entry) => entry.position));
    for (const entry of fresh) expect(lost.map((old) => old.position)).not.toContain(entry.position);
    await subscription.stop();
  });

  it('an idle reader notices a restore from an older snapshot as a reset too', async () => {
    const keyPrefix = prefix();
    const log = open({ keyPrefix });
    const oldEpoch = await log.epoch();
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    await appendAll(log, 1);
    const backup = await server.snapshot();
    await appendAll(log, 2, 1);
    await waitFor(() => seen.positions.length >= 3, 'the entries before the restore');
    await server.restart({ fromSnapshot: backup });
    await waitFor(() => seen.resyncs().length >= 1, 'the reset', 5_000);
    expect(seen.resyncs().map((error) => error.reason)).toEqual(['reset']);
    expect(await log.epoch()).not.toBe(oldEpoch);
    await subscription.stop();
  });

  it('the blocking read holds up neither the shared client nor stop(): stop closes the connection it opened at once', async () => {
    const log = open({ blockMs: 10_000 });
    /** Ids of the open connections, each with the last command it ran (CLIENT LIST: `id=7 ... cmd=xread ...`). */
    const listConnections = async () =>
      new Map(
        (await connections())
          .trim()
          .split('\n')
          .map((line) => [/\bid=(\d+)/.exec(line)?.[1] ?? '', /\bcmd=(\S+)/.exec(line)?.[1] ?? ''] as const),
      );
    // Tracked by id, not by count: a connection of an earlier test's restart may still be coming or going.
    await until(async () => client.isReady);
    const before = new Set((await listConnections()).keys());
    const seen = recorder();
    const subscription = log.subscribe(await log.head(), seen.onEntries, seen.onError);
    let opened: string[] = [];
    await until(async () => {
      opened = [...(await listConnections())].filter(([id, cmd]) => !before.has(id) && cmd === 'xread').map(([id]) => id);
      return opened.length > 0;
    });
    const started = Date.now();
    for (let i = 0; i < 20; i++) await log.append(input(i));
    await log.readRange('0-0', await log.head(), 100);
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => seen.positions.length >= 20, 'the entries');
    const stopping = Date.now();
    await subscription.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    const closing = Date.now();
    for (let open = opened; open.length > 0; await sleep(50)) {
      const now = await listConnections();
      open = opened.filter((id) => now.has(id));
      if (open.length > 0 && Date.now() - closing > 5_000) throw new Error(`the blocking connection ${open.join(', ')} is still open 5 s after stop()`);
    }
  });

  it("with a caller's blockingClient: one subscription at a time, and stop leaves the connection open", async () => {
    const blocking = await connect();
    const log = open({ blockingClient: blocking, blockMs: 200 });
    const seen = recorder();
    const subscription = log.subscribe('0-0', seen.onEntries, seen.onError);
    expect(() => log.subscribe('0-0', () => {})).toThrow(/already used/);
    await log.append(input(0));
    await waitFor(() => seen.positions.length >= 1, 'the entry');
    await subscription.stop();
    expect(await blocking.ping()).toBe('PONG');
    const again = log.subscribe('0-0', seen.onEntries, seen.onError); // free again
    await again.stop();
    await blocking.quit();
  });

  it('needs a blockingClient or a client that can duplicate itself', () => {
    const bare = {
      eval: client.eval.bind(client),
      evalSha: client.evalSha.bind(client),
      sMembers: client.sMembers.bind(client),
      sIsMember: client.sIsMember.bind(client),
      get: client.get.bind(client),
    };
    expect(() => createRedisEventLog(bare, { keyPrefix: 'x:' })).toThrow(/blockingClient/);
  });
});

describe('redis rate limits', () => {
  let server: RedisServer;
  let client: RedisClient;
  beforeAll(async () => {
    server = await startRedisServer();
    client = createClient({ url: server.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('one hash per key under the prefix, expiring when the bucket would be full again', async () => {
    const store = createRedisRateLimitStore(client, { keyPrefix: 'rl:' });
    await store.take('emit:bob', { ratePerSecond: 1, burst: 20 });
    await store.take('emit:bob', { ratePerSecond: 1, burst: 20 });
    expect(await client.keys('rl:*')).toEqual(['rl:rate:emit:bob']);
    expect(await client.type('rl:rate:emit:bob')).toBe('hash');
    const ttl = await client.pTTL('rl:rate:emit:bob');
    expect(ttl).toBeGreaterThan(1_000); // 2 tokens at 1/s: full again in 2 s, less the time between the takes
    expect(ttl).toBeLessThanOrEqual(2_000);
    await store.take('fast', { ratePerSecond: 100, burst: 1 }); // full again in 10 ms
    await sleep(100);
    expect(await client.exists('rl:rate:fast')).toBe(0);
    expect(await store.take('fast', { ratePerSecond: 100, burst: 1 })).toEqual({ ok: true, remaining: 0 });
  });

  it('refuses a limit Redis cannot keep (not finite, not positive)', async () => {
    const store = createRedisRateLimitStore(client, { keyPrefix: 'rl:' });
    await expect(store.take('x', { ratePerSecond: 0, burst: 1 })).rejects.toThrow(RangeError);
    await expect(store.take('x', { ratePerSecond: 1, burst: Infinity })).rejects.toThrow(RangeError);
    await expect(store.take('x', { ratePerSecond: Number.NaN, burst: 1 })).rejects.toThrow(RangeError);
  });
});
