/**
 * The gateway's Redis store commands carry a deadline shared per slice (command-deadline.ts)
 * instead of node-redis's AbortSignal.timeout per command (~17 µs of CPU each; issue 21). The
 * bound must stay: against a real redis-server that stops reading (SIGSTOP), a command that
 * cannot be written within the deadline fails with a clear error instead of waiting for Redis;
 * once Redis reads again, commands work.
 */
import { describe, expect, it } from 'vitest';
import { RedisCommandDeadlineError, withCommandDeadlines } from 'socket-gateway/stores/redis';
import { useRedisServer } from '../helpers/redis-server';

const DEADLINE_MS = 300;
const redis = useRedisServer();

describe('Redis command deadlines', () => {
  it('pass commands and their answers through', async () => {
    const commands = withCommandDeadlines(redis.client, DEADLINE_MS);
    await redis.client.set('deadline:k', 'v');
    expect(await commands.get('deadline:k')).toBe('v');
    expect(await commands.eval('return ARGV[1]', { keys: [], arguments: ['echo'] })).toBe('echo');
    await redis.client.sAdd('deadline:s', ['a', 'b']);
    expect(await commands.sIsMember('deadline:s', 'a')).toBe(1);
    expect(((await commands.sMembers('deadline:s')) as string[]).sort()).toEqual(['a', 'b']);
    // Past several slices and deadlines: the commands of later slices are not aborted by earlier ones.
    await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 600));
    expect(await commands.get('deadline:k')).toBe('v');
  });

  it('a command Redis does not take within the deadline fails with a clear error; once Redis reads again, commands work', async () => {
    const commands = withCommandDeadlines(redis.client, DEADLINE_MS);
    const big = 'x'.repeat(1024 * 1024);
    redis.server.pause();
    try {
      // 40 MB of arguments: more than the socket buffers hold, so the later commands cannot be written.
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () =>
          commands.eval('return 1', { keys: [], arguments: [big] }).then(
            () => 'answered',
            (error: Error) => error,
          ),
        ).slice(-5), // the last ones queue behind the others
      );
      const elapsed = Date.now() - started;
      expect(
        outcomes.every((outcome) => outcome instanceof RedisCommandDeadlineError),
        JSON.stringify(outcomes.map(String)),
      ).toBe(true);
      expect((outcomes[0] as Error).message).toMatch(/Redis did not take the command within 300 ms/);
      expect(elapsed).toBeLessThan(5_000); // the deadline (300 ms plus a slice), not Redis coming back
    } finally {
      redis.server.resume();
    }
    await expect.poll(() => commands.get('deadline:k').catch((error: Error) => error.message), { timeout: 10_000 }).toBe('v');
  });
});
