// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * KEYS as JOIN; ARGV: room, userId, abandonedHistoryTtlMs. Both indexes change together; when the
 * room's last member leaves, its history expires after the TTL unless someone joins first.
 * Replies { removed, count }.
 */
export const MEMBERSHIP_LEAVE_LUA = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if removed == 1 and redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
end
return {removed, redis.call('SCARD', KEYS[1])}
`;
