import { createHash } from 'node:crypto';
import type { RedisStoreClient } from './client';

export interface LuaScript {
  readonly source: string;
  /**
   * Runs the script with `keys` declared as KEYS (every key it touches must be there: Redis Cluster
   * routes by them and refuses a script reaching for any other key) and `args` as ARGV.
   */
  run(client: RedisStoreClient, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * A Lua script sent by its SHA1 (EVALSHA), and as full text (EVAL) only when Redis does not know
 * it yet: after a restart, a failover or SCRIPT FLUSH. Works over any client, unlike node-redis's
 * `defineScript`, which has to be registered when the client is created.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#script-cache
 */
export function defineLuaScript(source: string): LuaScript {
  const sha1 = createHash('sha1').update(source).digest('hex');
  return {
    source,
    async run(client, keys, args) {
      const options = { keys, arguments: args };
      try {
        return await client.evalSha(sha1, options);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(source, options);
      }
    },
  };
}
