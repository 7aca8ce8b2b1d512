/**
 * The suites' throwaway redis-server. One copy lives in scripts/lib (the benchmark starts it too,
 * and the bench imports nothing from test/); this path stays so the suites' imports do not change.
 */
export { startRedisServer, type RedisServer, type RedisServerOptions } from '../../scripts/lib/redis-server';
