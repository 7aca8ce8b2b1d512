/**
 * Every store backend against the same contract, then what is particular to each backend
 * (persistence across reopen, bounded expiry, key expiry, script cache loss, cluster slots).
 * Redis runs on throwaway `redis-server` processes started here; a missing binary fails loudly.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryEventLog,
  createMemoryMembershipStore,
  createMemoryRateLimitStore,
  createMemoryRevocationStore,
  createMemoryRoomHistoryStore,
  REVOCATION_RETENTION_MS,
  type EventLog,
} from 'socket-gateway/advanced';
import {
  createSqliteEventLog,
  createSqliteMembershipStore,
  createSqliteRevocationStore,
  createSqliteRoomHistoryStore,
  openDatabase,
  SCHEMA_VERSION,
  type SqliteDatabase,
} from 'socket-gateway/stores/sqlite';
import {
  createRedisEventLog,
  createRedisMembershipStore,
  createRedisRateLimitStore,
  createRedisRevocationStore,
  createRedisRoomHistoryStore,
  type RedisStoreClient,
} from 'socket-gateway/stores/redis';
import type { LuaScript } from '@/socket-gateway/stores/redis/lua-script';
import { COUNT_MEMBERS_SCRIPT, JOIN_SCRIPT, LEAVE_SCRIPT } from '@/socket-gateway/stores/redis/membership-store';
import * as revocationScripts from '@/socket-gateway/stores/redis/revocation-store';
import * as presenceScripts from '@/socket-gateway/stores/redis/presence-store';
import * as eventLogScripts from '@/socket-gateway/stores/redis/event-log';
import { GIVE_SCRIPT, PEEK_SCRIPT, TAKE_SCRIPT } from '@/socket-gateway/stores/redis/rate-limit-store';
import * as historyScripts from '@/socket-gateway/stores/redis/room-history-store';
import { createMemoryPresenceStore } from 'socket-gateway/advanced';
import { createRedisPresenceStore } from 'socket-gateway/stores/redis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { describePresenceStoreContract } from './presence-store.contract';
import { describeMembershipStoreContract } from './membership-store.contract';
import { describeRevocationStoreContract } from './revocation-store.contract';
import { describeEventLogContract, type EventLogFactory } from './event-log.contract';
import { describeRateLimitStoreContract } from './rate-limit-store.contract';
import { describeRoomHistoryStoreContract } from './room-history-store.contract';
import { describeAbandonedHistoryContract } from './abandoned-history.contract';
import type { StoreFactory } from './store-handle';

const newClient = (url: string) => createClient({ url });
/** Redis's default stream-node-max-entries: how far past MAXLEN ~ a stream may stay (one node). */
const REDIS_STREAM_NODE_MAX_ENTRIES = 100;
type RedisClient = ReturnType<typeof newClient>;

// ---------------------------------------------------------------------------------------- memory

describeMembershipStoreContract('memory', async () => ({ store: createMemoryMembershipStore(), cleanup: async () => {} }));
describeRevocationStoreContract('memory', async () => ({ store: createMemoryRevocationStore(), cleanup: async () => {} }));
describePresenceStoreContract('memory', async (options) => ({ store: createMemoryPresenceStore(options), cleanup: async () => {} }));
describeRateLimitStoreContract('memory', async (now) => ({ store: createMemoryRateLimitStore({ now }), cleanup: async () => {} }));
describeRoomHistoryStoreContract('memory', async () => ({ store: createMemoryRoomHistoryStore(), cleanup: async () => {} }));
describeAbandonedHistoryContract('memory', async (abandonedHistoryTtlMs) => {
  const history = createMemoryRoomHistoryStore();
  return { membership: createMemoryMembershipStore({ history, abandonedHistoryTtlMs }), history, cleanup: async () => {} };
});
describeEventLogContract(
  'memory',
  async (retention, { trimBatch }) => ({
    log: createMemoryEventLog(retention, { trimBatch }),
    trimBatch,
    reset: async () => createMemoryEventLog(retention, { trimBatch }),
    cleanup: async () => {},
  }),
  { notApplicable: { peer: 'a memory log has no second writer', reopen: 'nothing persists in memory' }, countSlack: 0 },
);

// ---------------------------------------------------------------------------------------- sqlite

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempPath(name = 'gateway.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-stores-'));
  tempDirs.push(dir);
  return join(dir, 'nested', 'folder', name);
}

/** `:memory:` (one connection: a second one would be another, empty database). */
function sqliteInMemory<Store>(create: (db: SqliteDatabase) => Store): StoreFactory<Store> {
  return async () => {
    const db = openDatabase(':memory:');
    return {
      store: create(db),
      cleanup: async () => {
        db.close();
      },
    };
  };
}

/** A temp file, with a second connection on the same file as the peer (a second process's view). */
function sqliteFile<Store>(create: (db: SqliteDatabase) => Store): StoreFactory<Store> {
  return async () => {
    const path = tempPath();
    const db = openDatabase(path);
    const other = openDatabase(path);
    return {
      store: create(db),
      peer: create(other),
      cleanup: async () => {
        db.close();
        other.close();
        rmSync(join(path, '..', '..', '..'), { recursive: true, force: true });
      },
    };
  };
}

describeMembershipStoreContract('sqlite :memory:', sqliteInMemory(createSqliteMembershipStore));
describeRevocationStoreContract('sqlite :memory:', sqliteInMemory(createSqliteRevocationStore));
describeMembershipStoreContract('sqlite file', sqliteFile(createSqliteMembershipStore));
describeRevocationStoreContract('sqlite file', sqliteFile(createSqliteRevocationStore));
describeRoomHistoryStoreContract('sqlite :memory:', sqliteInMemory(createSqliteRoomHistoryStore));
describeRoomHistoryStoreContract('sqlite file', sqliteFile(createSqliteRoomHistoryStore));
describeAbandonedHistoryContract('sqlite file', async (abandonedHistoryTtlMs) => {
  const db = openDatabase(tempPath());
  return {
    membership: createSqliteMembershipStore(db, { abandonedHistoryTtlMs }),
    history: createSqliteRoomHistoryStore(db),
    cleanup: async () => {
      db.close();
    },
  };
});

/**
 * A temp file (WAL). No peer: the embedded log's subscribers hear the appends of their own process
 * only (one node is the only writer), so the cross-instance subscription case does not apply.
 * Reopen closes the database and opens the same file again; reset opens a new file.
 */
const sqliteEventLog: EventLogFactory = async (retention, options) => {
  const databases: SqliteDatabase[] = [];
  const open = (path: string) => {
    const db = openDatabase(path);
    databases.push(db);
    return createSqliteEventLog(db, retention, options);
  };
  const path = tempPath();
  const log = open(path);
  return {
    log,
    trimBatch: options.trimBatch,
    reopen: async () => {
      await log.close?.();
      databases[0]!.close();
      return open(path);
    },
    reset: async () => open(tempPath()),
    cleanup: async () => {
      for (const db of databases) if (db.open) db.close();
    },
  };
};
describeEventLogContract('sqlite file', sqliteEventLog, {
  notApplicable: { peer: "the embedded log's subscribers hear their own process's appends only (one node, one writer)" },
  countSlack: 0,
});

describe('sqlite database', () => {
  it('creates the parent folder, uses WAL, records the schema version', () => {
    const path = tempPath();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    db.close();
  });

  it('keeps memberships and revocations across closing and reopening the file', async () => {
    const path = tempPath();
    const now = Date.now();
    let db = openDatabase(path);
    await createSqliteMembershipStore(db).join('bob', 'lobby', 5);
    await createSqliteMembershipStore(db).join('bob', '😀:room', 5);
    await createSqliteRevocationStore(db).revoke('bob', now);
    db.close();

    db = openDatabase(path); // reopening runs the migration step again: it must be a no-op
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const membership = createSqliteMembershipStore(db);
    expect(await membership.roomsOf('bob')).toEqual(['lobby', '😀:room']);
    expect(await membership.membersOf('lobby')).toEqual(['bob']);
    expect(await membership.join('bob', 'third', 2)).toEqual({ ok: false, reason: 'limit', count: 2 });
    expect(await createSqliteRevocationStore(db).revokedAt('bob')).toBe(now);
    db.close();
  });

  it('a restart keeps the global not-before; a replaced (empty) file refuses what came before it (attacks-3 F5)', async () => {
    const path = tempPath();
    let db = openDatabase(path);
    const first = createSqliteRevocationStore(db).credentialsResetAt()!;
    expect(first).toBeLessThan(Date.now());
    db.close();
    while (Date.now() <= first + 2) await new Promise((resolve) => setImmediate(resolve)); // a later millisecond
    db = openDatabase(path); // a restart: nobody is signed out by it
    expect(await createSqliteRevocationStore(db).notBefore('bob')).toBe(first);
    db.close();
    const started = Date.now();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    db = openDatabase(path); // the file lost (deleted, replaced by an empty one): everything before now is refused
    const store = createSqliteRevocationStore(db);
    expect(await store.notBefore('bob')).toBeGreaterThanOrEqual(started - 1);
    expect(store.credentialsResetAt()).toBeGreaterThanOrEqual(started - 1);
    db.close();
  });

  it('the cap holds across processes writing the same file at once', async () => {
    const path = tempPath();
    openDatabase(path).close(); // schema first, so the workers race on joins only
    const worker = join(import.meta.dirname, 'support', 'sqlite-join-worker.ts');
    const startAt = String(Date.now() + 3_000); // after every worker has loaded
    const runs = Array.from({ length: 4 }, (_, i) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', worker, path, 'bob', String(i * 500), '500', '1000', startAt]),
    );
    const accepted = (await Promise.all(runs)).map(({ stdout }) => (JSON.parse(stdout) as { accepted: number }).accepted);
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(accepted.filter((n) => n > 0).length).toBeGreaterThan(1); // they did race
    const db = openDatabase(path);
    expect(await createSqliteMembershipStore(db).roomsOf('bob')).toHaveLength(1000);
    db.close();
  });

  it('keeps room history across closing and reopening the file', async () => {
    const path = tempPath();
    let db = openDatabase(path);
    for (let i = 1; i <= 4; i += 1) await createSqliteRoomHistoryStore(db).append('lobby', { event: 'room:message', data: { n: i } }, 3);
    db.close();
    db = openDatabase(path);
    const history = createSqliteRoomHistoryStore(db);
    expect(await history.read('lobby', { limit: 10 })).toEqual({
      entries: [2, 3, 4].map((n) => ({ seq: n, event: 'room:message', data: { n } })),
      hasMore: false,
    });
    expect((await history.append('lobby', { event: 'room:message', data: { n: 5 } }, 3)).seq).toBe(5);
    db.close();
  });

  it('adds the room history table to a file written before it existed (schema step 3), keeping what was there', async () => {
    const path = tempPath();
    // A file as the previous release left it (steps 1 and 2 only), with a membership in it.
    const old = openDatabase(path);
    await createSqliteMembershipStore(old).join('bob', 'lobby', 5);
    old.exec('DROP TABLE room_history; PRAGMA user_version = 2;');
    old.close();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
    expect(await createSqliteMembershipStore(db).roomsOf('bob')).toEqual(['lobby']);
    const history = createSqliteRoomHistoryStore(db);
    await history.append('lobby', { event: 'room:message', data: 'hi' }, 5);
    expect((await history.read('lobby', { limit: 5 })).entries).toEqual([{ seq: 1, event: 'room:message', data: 'hi' }]);
    db.close();
  });

  it('refuses a database written by a newer schema version', () => {
    const path = tempPath();
    const db = openDatabase(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer than this code knows/);
  });

  it('expires old revocations in bounded batches, oldest first', async () => {
    const db = openDatabase(':memory:');
    const old = Date.now() - REVOCATION_RETENTION_MS - 60_000;
    const insert = db.prepare('INSERT INTO revocations (user_id, revoked_at) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 250; i++) insert.run(`old-${i}`, old + i);
    })();
    const rows = () => db.prepare('SELECT count(*) FROM revocations').pluck().get() as number;
    const store = createSqliteRevocationStore(db);
    await store.revoke('bob', Date.now());
    expect(rows()).toBe(151); // 100 expired rows gone, bob added
    expect(db.prepare("SELECT 1 FROM revocations WHERE user_id = 'old-0'").get()).toBeUndefined();
    expect(db.prepare("SELECT 1 FROM revocations WHERE user_id = 'old-100'").get()).toBeDefined();
    expect(await store.revokedAt('old-249')).toBeUndefined(); // not deleted yet, already forgotten
    await store.revoke('alice', Date.now());
    await store.revoke('carol', Date.now());
    expect(rows()).toBe(3);
    db.close();
  });
});

// ----------------------------------------------------------------------------------------- redis

let redis: RedisServer;
let clientA: RedisClient;
let clientB: RedisClient;
let prefixes = 0;

async function connect(url: string): Promise<RedisClient> {
  const client = newClient(url);
  client.on('error', () => {}); // reconnects are expected in the restart test; commands still fail loudly
  await client.connect();
  return client;
}

/**
 * A fresh key prefix per test; the peer is a log on the second client (a second node's writer).
 * Reopen is a new log object on the second client (the data lives in Redis); reset is FLUSHALL.
 */
function redisEventLog(server: () => RedisServer, prefix: () => string = () => `t${++prefixes}:`): EventLogFactory {
  return async (retention, { trimBatch }) => {
    const keyPrefix = prefix();
    const logs: EventLog[] = [];
    const open = (client: RedisClient) => {
      const log = createRedisEventLog(client, { keyPrefix, retention, trimBatch, blockMs: 500 });
      logs.push(log);
      return log;
    };
    const log = open(clientA);
    return {
      log,
      peer: open(clientB),
      trimBatch,
      reopen: async () => {
        await log.close?.();
        return open(clientB);
      },
      reset: async () => {
        await server().flushAll();
        return log;
      },
      cleanup: async () => {
        await Promise.all(logs.map((each) => each.close?.()));
      },
    };
  };
}

/** A fresh key prefix per test on the shared server; the peer is a second client (a second node). */
function redisFactory<Store>(
  create: (client: RedisStoreClient, options: { keyPrefix: string }) => Store,
  prefix: () => string = () => `t${++prefixes}:`,
): StoreFactory<Store> {
  return async () => {
    const keyPrefix = prefix();
    return { store: create(clientA, { keyPrefix }), peer: create(clientB, { keyPrefix }), cleanup: async () => {} };
  };
}

describe('redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    clientA = await connect(redis.url);
    clientB = await connect(redis.url);
  });
  afterAll(async () => {
    await clientA?.quit();
    await clientB?.quit();
    await redis?.stop();
  });

  describeMembershipStoreContract('redis', redisFactory(createRedisMembershipStore));
  describeRevocationStoreContract('redis', redisFactory(createRedisRevocationStore));
  describePresenceStoreContract('redis', (options) => redisFactory((client, { keyPrefix }) => createRedisPresenceStore(client, { keyPrefix, ...options }))());
  describeRateLimitStoreContract('redis', (now) => redisFactory((client, { keyPrefix }) => createRedisRateLimitStore(client, { keyPrefix, now }))());
  describeRoomHistoryStoreContract('redis', redisFactory(createRedisRoomHistoryStore));
  describeAbandonedHistoryContract('redis', async (abandonedHistoryTtlMs) => {
    const keyPrefix = `t${++prefixes}:`;
    return {
      membership: createRedisMembershipStore(clientA, { keyPrefix, abandonedHistoryTtlMs }),
      history: createRedisRoomHistoryStore(clientB, { keyPrefix }),
      cleanup: async () => {},
    };
  });
  describeEventLogContract(
    'redis',
    redisEventLog(() => redis),
    { countSlack: REDIS_STREAM_NODE_MAX_ENTRIES },
  );

  it('stores membership under the prefix, as two sets that Redis deletes when empty', async () => {
    const store = createRedisMembershipStore(clientA, { keyPrefix: 'layout:' });
    await store.join('a:b', 'room:1', 5);
    expect(await clientA.sMembers('layout:rooms:a:b')).toEqual(['room:1']);
    expect(await clientA.sMembers('layout:members:room:1')).toEqual(['a:b']);
    await store.leave('a:b', 'room:1');
    expect(await clientA.keys('layout:*')).toEqual([]);
  });

  it('keeps room history under the prefix: one list of at most `keep` items and a counter; numbers survive a lost list or a lost counter', async () => {
    const store = createRedisRoomHistoryStore(clientA, { keyPrefix: 'hist:' });
    for (let i = 1; i <= 4; i += 1) await store.append('a:b', { event: 'room:message', data: { n: i } }, 3);
    expect((await clientA.keys('hist:*')).sort()).toEqual(['hist:history-seq:a:b', 'hist:history:a:b']);
    expect(await clientA.lRange('hist:history:a:b', 0, -1)).toEqual([4, 3, 2].map((n) => `${n} {"event":"room:message","data":{"n":${n}}}`));
    // The list is lost (an eviction, a DEL): numbering goes on from the counter, never reusing one.
    await clientA.del('hist:history:a:b');
    expect((await store.append('a:b', { event: 'room:message', data: { n: 5 } }, 3)).seq).toBe(5);
    // The counter is lost: numbering goes on from the newest kept entry.
    await store.append('a:b', { event: 'room:message', data: { n: 6 } }, 3);
    await clientA.del('hist:history-seq:a:b');
    expect((await store.append('a:b', { event: 'room:message', data: { n: 7 } }, 3)).seq).toBe(7);
    expect((await store.read('a:b', { limit: 10 })).entries.map((entry) => entry.seq)).toEqual([5, 6, 7]);
  });

  it('a revocation key expires REVOCATION_RETENTION_MS after the revocation', async () => {
    const store = createRedisRevocationStore(clientA, { keyPrefix: 'ttl:' });
    const now = Date.now();
    await store.revoke('bob', now - 60_000);
    const ttl = await clientA.pTTL('ttl:revoked:bob');
    expect(ttl).toBeGreaterThan(REVOCATION_RETENTION_MS - 60_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(REVOCATION_RETENTION_MS - 60_000 + 1_000);
    await store.revoke('bob', 0); // a kept max keeps its own expiry
    expect(await clientA.pTTL('ttl:revoked:bob')).toBeGreaterThan(REVOCATION_RETENTION_MS - 60_000 - 5_000);
    await store.revoke('old', 0); // already past its retention: nothing is kept
    expect(await clientA.exists('ttl:revoked:old')).toBe(0);
  });
});

describe('redis scripts', () => {
  // Redis Cluster routes a script by its declared KEYS; a key reached any other way may live on
  // another shard. The one-node cluster below cannot catch that (it serves every slot), so check
  // the source: every redis.call names a KEYS[n] as its key (or a helper parameter that is only
  // ever given KEYS[n]), except the keyless TIME.
  const scripts: Array<[string, LuaScript]> = [
    ['join', JOIN_SCRIPT],
    ['leave', LEAVE_SCRIPT],
    ['countMembers', COUNT_MEMBERS_SCRIPT],
  ];
  scripts.push(['take', TAKE_SCRIPT], ['peek', PEEK_SCRIPT], ['give', GIVE_SCRIPT]);
  for (const [name, value] of [
    ...Object.entries(presenceScripts),
    ...Object.entries(eventLogScripts),
    ...Object.entries(historyScripts),
    ...Object.entries(revocationScripts),
  ]) {
    if (typeof value === 'object' && 'source' in value) scripts.push([name, value]);
  }
  it.each(scripts)('%s touches only the keys it declares', (_name, script) => {
    const calls = [...script.source.matchAll(/redis\.call\(([^)]*)\)/g)].map((match) => match[1] ?? '');
    expect(calls.length).toBeGreaterThan(0);
    for (const args of calls) {
      if (args === "'TIME'") continue;
      // (an upper-case subcommand may come first: XINFO STREAM KEYS[1])
      expect(args).toMatch(/^'[A-Z]+',( '[A-Z]+',)? (KEYS\[\w+\]|nodes|user)(?=,|$)/);
    }
    for (const helperCall of script.source.matchAll(/liveCount\(([^)]*)\)/g)) {
      if (/^local function/m.test(script.source.slice(0, helperCall.index).split('\n').pop() ?? '')) continue;
      expect(helperCall[1]).toMatch(/^KEYS\[\w+\], KEYS\[\w+\]$/);
    }
  });
});

describe('redis restart', () => {
  let server: RedisServer;
  let client: RedisClient;
  beforeAll(async () => {
    server = await startRedisServer();
    client = await connect(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('the stores keep working after Redis restarts and forgets its script cache', async () => {
    const membership = createRedisMembershipStore(client, { keyPrefix: 'r:' });
    const revocations = createRedisRevocationStore(client, { keyPrefix: 'r:' });
    await membership.join('bob', 'lobby', 5);
    await revocations.revoke('bob', Date.now());
    await server.restart(); // no persistence: the data and the cached scripts are gone
    // node-redis reconnects on its own; the stores fall back from EVALSHA to EVAL (NOSCRIPT).
    expect(await membership.join('bob', 'other', 5)).toEqual({ ok: true, added: true, count: 1 });
    const now = Date.now();
    await revocations.revoke('bob', now);
    expect(await revocations.revokedAt('bob')).toBe(now);
  });
});

describe('redis cluster (one node owning every slot)', () => {
  let server: RedisServer;
  let client: RedisClient;
  beforeAll(async () => {
    server = await startRedisServer({ cluster: true });
    client = await connect(server.url);
    clientA = clientB = client; // redisFactory's clients, for this block's contract runs
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  // A hash-tag prefix puts every key on one slot, so the scripts' multi-key access is allowed.
  describeMembershipStoreContract(
    'redis cluster, hash-tag prefix',
    redisFactory(createRedisMembershipStore, () => `{c${++prefixes}}:`),
  );
  describeRevocationStoreContract(
    'redis cluster, hash-tag prefix',
    redisFactory(createRedisRevocationStore, () => `{c${++prefixes}}:`),
  );
  describePresenceStoreContract('redis cluster, hash-tag prefix', (options) =>
    redisFactory(
      (client, { keyPrefix }) => createRedisPresenceStore(client, { keyPrefix, ...options }),
      () => `{c${++prefixes}}:`,
    )(),
  );

  describeRateLimitStoreContract('redis cluster, hash-tag prefix', (now) =>
    redisFactory(
      (client, { keyPrefix }) => createRedisRateLimitStore(client, { keyPrefix, now }),
      () => `{c${++prefixes}}:`,
    )(),
  );
  describeRoomHistoryStoreContract(
    'redis cluster, hash-tag prefix',
    redisFactory(createRedisRoomHistoryStore, () => `{c${++prefixes}}:`),
  );
  describeAbandonedHistoryContract('redis cluster, hash-tag prefix', async (abandonedHistoryTtlMs) => {
    const keyPrefix = `{c${++prefixes}}:`;
    return {
      membership: createRedisMembershipStore(client, { keyPrefix, abandonedHistoryTtlMs }),
      history: createRedisRoomHistoryStore(client, { keyPrefix }),
      cleanup: async () => {},
    };
  });
  describeEventLogContract(
    'redis cluster, hash-tag prefix',
    redisEventLog(
      () => server,
      () => `{c${++prefixes}}:`,
    ),
    { countSlack: REDIS_STREAM_NODE_MAX_ENTRIES },
  );

  it('without a hash tag in the prefix, Redis Cluster refuses the event log scripts (CROSSSLOT)', async () => {
    const log = createRedisEventLog(client, { keyPrefix: 'plain:' });
    await expect(log.append({ to: { kind: 'all' }, event: 'x', data: 1 })).rejects.toThrow(/CROSSSLOT/);
  });

  it('without a hash tag in the prefix, Redis Cluster refuses the room history append (CROSSSLOT)', async () => {
    const store = createRedisRoomHistoryStore(client, { keyPrefix: 'plain:' });
    await expect(store.append('lobby', { event: 'room:message', data: 1 }, 5)).rejects.toThrow(/CROSSSLOT/);
  });

  it('without a hash tag in the prefix, Redis Cluster refuses the join script (CROSSSLOT)', async () => {
    const store = createRedisMembershipStore(client, { keyPrefix: 'plain:' });
    await expect(store.join('bob', 'lobby', 5)).rejects.toThrow(/CROSSSLOT/);
  });
});

// -------------------------------------------------------------------------------- test helper

describe('startRedisServer', () => {
  it('fails loudly, naming the package, when redis-server is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'empty-path-'));
    tempDirs.push(process.env.PATH);
    try {
      await expect(startRedisServer()).rejects.toThrow('redis-server not found: apt-get install -y redis-server');
    } finally {
      process.env.PATH = path;
    }
  });
});
