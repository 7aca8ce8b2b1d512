// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * KEYS[1] the user's rooms (SET), KEYS[2] the room's members (SET), KEYS[3] and KEYS[4] the room's
 * history (list, counter: redis/room-history-store.ts); ARGV: room, userId, maxRooms.
 * Redis runs a script alone, so the count, the check and the writes are one atomic step. A join
 * takes the room's history off its abandoned-room expiry (LEAVE sets it).
 * Replies { ok, added, count } as integers (a Lua false would end the reply array early).
 */
export const MEMBERSHIP_JOIN_LUA = `
local count = redis.call('SCARD', KEYS[1])
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1, 0, count} end
if count >= tonumber(ARGV[3]) then return {0, 0, count} end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PERSIST', KEYS[3])
redis.call('PERSIST', KEYS[4])
return {1, 1, count + 1}
`;
