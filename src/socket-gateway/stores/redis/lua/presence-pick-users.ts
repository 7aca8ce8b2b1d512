// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/** KEYS: node-users:node. ARGV: how many. Replies up to that many of its users. */
export const PRESENCE_PICK_USERS_LUA = `
return redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[1]))
`;
