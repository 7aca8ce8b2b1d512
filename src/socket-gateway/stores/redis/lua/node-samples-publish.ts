// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * KEYS: the index (ZSET nodeId → expiry, epoch ms), the node's samples. ARGV: nodeId, samples JSON, ttlMs, now (epoch ms).
 * Writes the node's samples with a TTL, and forgets the index entries of nodes whose samples expired.
 */
export const NODE_SAMPLES_PUBLISH_LUA = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
return 1
`;
