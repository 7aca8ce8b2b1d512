/**
 * The suites' throwaway redis-server. One copy lives in scripts/lib (the benchmark starts it too,
 * and the bench imports nothing from test/); this path stays so the suites' imports do not change.
 */
export { startRedisServer, type RedisServer, type RedisServerOptions } from '../../scripts/lib/redis-server';

import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer as start, type RedisServer as Server } from '../../scripts/lib/redis-server';

export interface RedisFixture {
  /** The running redis-server (set in beforeAll). */
  readonly server: Server;
  /** A connected node-redis client on it. */
  readonly client: ReturnType<typeof createClient>;
}

/**
 * A redis-server and a connected client for one test file or describe block: started in
 * beforeAll, closed in afterAll. Read `server` and `client` inside the tests (not at collection).
 */
export function useRedisServer(): RedisFixture {
  let server: Server | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  beforeAll(async () => {
    server = await start();
    client = createClient({ url: server.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('useRedisServer: read server inside a test (it starts in beforeAll)');
      return server;
    },
    get client() {
      if (!client) throw new Error('useRedisServer: read client inside a test (it starts in beforeAll)');
      return client;
    },
  };
}
