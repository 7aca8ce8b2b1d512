/**
 * Sign-in throttling for the Credentials provider, in the gateway's rate-limit store: in Redis
 * mode every node counts in the same buckets (attacks-3 F10: per node, N nodes allowed N times the
 * guesses). Token buckets of `limit` tokens refilled at `limit` per window stand in for "at most
 * `limit` within a sliding window". Three limits, on failed attempts only:
 *
 * - per (username, address), `maxFailuresPerUsername`: an address that guessed wrong N times is
 *   refused for that account; it cannot lock anyone else out.
 * - per address, `maxFailuresPerAddress`, across every username (one address spraying accounts).
 * - per username, all addresses together, `maxFailuresPerAccount` (larger). Once it is spent, only
 *   addresses that have no failure on that account within the window may still try: the owner,
 *   from an address that was not guessing, always gets in with the right password, while a
 *   guesser spread over many addresses gets one try per fresh address per window.
 *
 * The first two are taken atomically BEFORE the password is checked (so parallel attempts cannot
 * overshoot them, on one node or many) and given back when it was right (so successes never
 * count: many users behind one NAT). A refused attempt is not checked. The address is the one
 * server.ts stamped on the request (client-address.ts): the TCP peer, or X-Forwarded-For only
 * under TRUST_PROXY.
 */
import { getEnv } from '@/env';
import { appSlot } from '@/server/process-holder';
import { createMemoryRateLimitStore, findGatewayRuntime, type RateLimit, type RateLimitStore, type TakeResult } from 'socket-gateway/advanced';

export interface SignInThrottleOptions {
  maxFailuresPerUsername: number;
  maxFailuresPerAddress: number;
  maxFailuresPerAccount: number;
  windowMs: number;
  /** Where the buckets live (default: the gateway's rate-limit store, shared through Redis in a cluster). */
  store?: () => RateLimitStore;
}

export interface SignInThrottle {
  /**
   * Before checking a password: null when the attempt may be checked (it then holds a token of
   * its username-and-address and address buckets), otherwise the message to refuse it with.
   */
  attempt(username: string, address: string): Promise<string | null>;
  /** After a wrong password. */
  failed(username: string, address: string): Promise<void>;
  /** After the right password: the attempt does not count. */
  succeeded(username: string, address: string): Promise<void>;
}

export class SignInThrottledError extends Error {
  override name = 'SignInThrottledError';
}

export function createSignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const { windowMs, store = defaultStore } = options;
  const limit = (count: number): RateLimit => ({ burst: count, ratePerSecond: count / (windowMs / 1000) });
  const pairLimit = limit(options.maxFailuresPerUsername);
  const addressLimit = limit(options.maxFailuresPerAddress);
  const accountLimit = limit(options.maxFailuresPerAccount);
  const keys = (username: string, address: string) => {
    const user = normalise(username);
    return { pair: `signin:pair:${user}\u0000${address}`, address: `signin:addr:${address}`, account: `signin:user:${user}` };
  };
  const refusal = (result: TakeResult) =>
    result.ok ? null : `Too many sign-in attempts, try again in ${Math.max(1, Math.ceil(result.retryAfterMs / 1000))} s`;

  return {
    async attempt(username, address) {
      const key = keys(username, address);
      const buckets = store();
      const [byAccount, byPair] = await Promise.all([buckets.peek(key.account, accountLimit), buckets.peek(key.pair, pairLimit)]);
      // The account-wide limit binds only addresses that already failed on this account in the window.
      const pairUntouched = byPair.ok && byPair.remaining >= pairLimit.burst;
      if (!byAccount.ok && !pairUntouched) return refusal(byAccount);
      const byAddress = await buckets.take(key.address, addressLimit);
      if (!byAddress.ok) return refusal(byAddress);
      const pair = await buckets.take(key.pair, pairLimit);
      if (!pair.ok) await buckets.give(key.address, addressLimit);
      return refusal(pair);
    },
    async failed(username, address) {
      await store().take(keys(username, address).account, accountLimit);
    },
    async succeeded(username, address) {
      const key = keys(username, address);
      const buckets = store();
      await Promise.all([buckets.give(key.pair, pairLimit), buckets.give(key.address, addressLimit)]);
    },
  };
}

/** Usernames compare trimmed and case-insensitively here, so `Alice ` counts against `alice`. */
function normalise(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}

const throttleSlot = appSlot<SignInThrottle>('signInThrottle');
const fallbackStoreSlot = appSlot<RateLimitStore>('signInFallbackStore');

/** The gateway's rate-limit store (Redis in a cluster); a process-local one where no gateway runs (`next dev` alone). */
function defaultStore(): RateLimitStore {
  return findGatewayRuntime()?.stores.rateLimits ?? fallbackStoreSlot.getOrCreate(createMemoryRateLimitStore);
}

/** The process's throttle (one for every module copy Next bundles), with the SIGN_IN_* settings. */
export function signInThrottle(): SignInThrottle {
  return throttleSlot.getOrCreate(() => createSignInThrottle(getEnv().signIn));
}
