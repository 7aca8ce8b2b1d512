/**
 * The few node-redis v6 commands the stores use, typed structurally so that any client works: a
 * plain `createClient()` (with or without modules and scripts of its own), a `createCluster()` or
 * an isolated connection. The stores never connect, quit or configure it: the caller owns it.
 * @see https://github.com/redis/node-redis/blob/master/docs/v5.md
 */
export interface RedisStoreClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  sMembers(key: string): Promise<unknown>;
  sIsMember(key: string, member: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
}

export interface RedisStoreOptions {
  /**
   * Put in front of every key, so several apps or test runs share one Redis without clashing.
   * On Redis Cluster it must be a hash tag such as `'{sg}:'`: a script touches a user's key and a
   * room's key together, and Cluster only runs scripts whose keys all hash to one slot (the tag
   * puts every gateway key on the same slot).
   * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
   */
  keyPrefix: string;
}

/** Narrows a reply that must be strings: an array over RESP2, or a Set over RESP3 with a Set type mapping. */
export function asStrings(reply: unknown, what: string): string[] {
  const items: unknown[] = reply instanceof Set ? [...reply] : Array.isArray(reply) ? reply : [];
  if (!(reply instanceof Set || Array.isArray(reply)) || !items.every((item) => typeof item === 'string')) {
    throw new TypeError(`${what}: expected strings from Redis, got ${JSON.stringify(reply)}`);
  }
  return items as string[];
}

/** Narrows a reply that must be an integer. */
export function asInteger(reply: unknown, what: string): number {
  if (typeof reply !== 'number' || !Number.isInteger(reply)) {
    throw new TypeError(`${what}: expected an integer from Redis, got ${JSON.stringify(reply)}`);
  }
  return reply;
}
