// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/** KEYS: the index. ARGV: now (epoch ms). Replies the ids of the nodes whose samples have not expired. */
export const NODE_SAMPLES_LIVE_NODES_LUA = `
return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
`;
