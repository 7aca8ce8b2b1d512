/**
 * Sign-in throttling for the Credentials provider, in the gateway's rate-limit store: in Redis
 * mode every node counts in the same buckets (attacks-3 F10: per node, N nodes allowed N times the
 * guesses). Token buckets of `limit` tokens refilled at `limit` per window stand in for "at most
 * `limit` within a sliding window". Three limits:
 *
 * - per (username, address), `maxFailuresPerUsername`: every attempt takes a token BEFORE the
 *   password is checked, atomically, so parallel attempts cannot overshoot it. An address that
 *   guessed wrong N times is refused for that account; it cannot lock anyone else out.
 * - per address, `maxFailuresPerAddress`: failures only (many users behind one NAT signing in is
 *   fine), across every username (one address spraying many accounts).
 * - per username, all addresses together, `maxFailuresPerAccount` (larger): failures only. Once it
 *   is spent, only addresses that made no attempt at that account within the window may still
 *   try: the owner, from an address that was not guessing, always gets in with the right password,
 *   while a guesser spread over many addresses gets one try per fresh address per window.
 *
 * A refused attempt is not checked. The address is the one server.ts stamped on the request
 * (client-address.ts): the TCP peer, or X-Forwarded-For only under TRUST_PROXY.
 */
import { getEnv } from '@/env';
import { createMemoryRateLimitStore, findGatewayRuntime, type RateLimit, type RateLimitStore, type TakeResult } from '@/socket-gateway';

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
   * Before checking a password: null when the attempt may be checked (it has then been counted
   * for its username and address), otherwise the message to refuse it with.
   */
  attempt(username: string, address: string): Promise<string | null>;
  /** After a wrong password. */
  failed(username: string, address: string): Promise<void>;
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
      const [byAddress, byAccount, byPair] = await Promise.all([
        buckets.peek(key.address, addressLimit),
        buckets.peek(key.account, accountLimit),
        buckets.peek(key.pair, pairLimit),
      ]);
      const refused = refusal(byAddress);
      if (refused) return refused;
      // The account-wide limit binds only addresses that already tried this account in the window.
      const pairUntouched = byPair.ok && byPair.remaining >= pairLimit.burst;
      if (!byAccount.ok && !pairUntouched) return refusal(byAccount);
      return refusal(await buckets.take(key.pair, pairLimit));
    },
    async failed(username, address) {
      const key = keys(username, address);
      const buckets = store();
      await Promise.all([buckets.take(key.address, addressLimit), buckets.take(key.account, accountLimit)]);
    },
  };
}

/** Usernames compare trimmed and case-insensitively here, so `Alice ` counts against `alice`. */
function normalise(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}

const FALLBACK_KEY = Symbol.for('socket-gateway.sign-in-throttle.store');
const THROTTLE_KEY = Symbol.for('socket-gateway.sign-in-throttle');
const holder = globalThis as { [THROTTLE_KEY]?: SignInThrottle; [FALLBACK_KEY]?: RateLimitStore };

/** The gateway's rate-limit store (Redis in a cluster); a process-local one where no gateway runs (`next dev` alone). */
function defaultStore(): RateLimitStore {
  return findGatewayRuntime()?.stores.rateLimits ?? (holder[FALLBACK_KEY] ??= createMemoryRateLimitStore());
}

/** The process's throttle (one for every module copy Next bundles), with the SIGN_IN_* settings. */
export function signInThrottle(): SignInThrottle {
  return (holder[THROTTLE_KEY] ??= createSignInThrottle(getEnv().signIn));
}
