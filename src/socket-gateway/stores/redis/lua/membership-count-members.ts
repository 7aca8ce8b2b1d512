// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/** KEYS[1] the room's members. Replies their number (a script: the stores' client interface stays small). */
export const MEMBERSHIP_COUNT_MEMBERS_LUA = `return redis.call('SCARD', KEYS[1])`;
