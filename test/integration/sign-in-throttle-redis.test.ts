/**
 * attacks-3 F10: sign-in throttling counted per node (N nodes allowed N times the guesses), and 5
 * wrong attempts from one address locked the account for everyone (the right password from
 * another address failed 3/3). Two throttles, each on its own connection to one real Redis (two
 * nodes), over the gateway's Redis rate-limit store.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignInThrottle, type SignInThrottle } from '@/server/http/sign-in-throttle';
import { createRedisRateLimitStore } from 'socket-gateway/stores/redis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const THROTTLED = /^Too many sign-in attempts, try again in \d+ s$/;
let redis: RedisServer;
const clients: Array<{ quit(): Promise<unknown> }> = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const client of clients) await client.quit();
  await redis?.stop();
});

/** Two nodes: two connections, one key prefix (as every node of a cluster has). */
async function twoNodes(): Promise<[SignInThrottle, SignInThrottle]> {
  const keyPrefix = `signin${++prefixes}:`;
  const node = async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    clients.push(client);
    const store = createRedisRateLimitStore(client, { keyPrefix });
    return createSignInThrottle({ maxFailuresPerUsername: 5, maxFailuresPerAddress: 20, maxFailuresPerAccount: 50, windowMs: 60_000, store: () => store });
  };
  return [await node(), await node()];
}

async function wrong(node: SignInThrottle, username: string, address: string): Promise<string | null> {
  const refusal = await node.attempt(username, address);
  if (refusal === null) await node.failed(username, address);
  return refusal;
}

describe('sign-in throttling across nodes (Redis)', () => {
  it('the nodes count together: 3 wrong on one node and 2 on the other spend the 5 of that username and address', async () => {
    const [a, b] = await twoNodes();
    for (let i = 0; i < 3; i++) expect(await wrong(a, 'carol', '10.0.0.1')).toBeNull();
    for (let i = 0; i < 2; i++) expect(await wrong(b, 'carol', '10.0.0.1')).toBeNull();
    expect(await a.attempt('carol', '10.0.0.1')).toMatch(THROTTLED);
    expect(await b.attempt('carol', '10.0.0.1')).toMatch(THROTTLED);
  });

  it('an address spraying usernames is refused after 20 failures in all, on either node', async () => {
    const [a, b] = await twoNodes();
    for (let i = 0; i < 20; i++) expect(await wrong(i % 2 ? a : b, `user${i}`, '10.0.0.9')).toBeNull();
    expect(await a.attempt('someone', '10.0.0.9')).toMatch(THROTTLED);
    expect(await b.attempt('someone', '10.0.0.9')).toMatch(THROTTLED);
  });

  it('100 parallel attempts for one username from one address, on both nodes: exactly 5 are let through to be checked', async () => {
    const [a, b] = await twoNodes();
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).attempt('dave', '10.0.0.2')));
    expect(outcomes.filter((refusal) => refusal === null)).toHaveLength(5);
  });

  it('right passwords given back: 100 sign-ins of one user from one address (both nodes) all pass', async () => {
    const [a, b] = await twoNodes();
    for (let i = 0; i < 100; i++) {
      const node = i % 2 ? a : b;
      expect(await node.attempt('erin', '10.0.0.3')).toBeNull();
      await node.succeeded('erin', '10.0.0.3');
    }
  });

  it('F10 replayed: 5 wrong from address A (either node) do not make the right password fail from B', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = await twoNodes();
      for (let i = 0; i < 5; i++) await wrong(i % 2 ? a : b, 'admin', '127.0.0.2');
      expect(await wrong(a, 'admin', '127.0.0.2')).toMatch(THROTTLED);
      expect(await b.attempt('admin', '127.0.0.3')).toBeNull(); // B's right password is checked (and would sign in)
    }
  });
});
