/**
 * Sign-in throttling for the Credentials provider: at most `maxFailuresPerUsername` failed
 * attempts per username and `maxFailuresPerAddress` per client address within a sliding
 * `windowMs`. Past either, every attempt for that username or from that address (the right
 * password included) is refused with "Too many sign-in attempts, try again in N s" until the
 * oldest failure leaves the window. A refused attempt is not checked and not counted (it
 * changes nothing); a successful sign-in clears its username's failures.
 *
 * In memory, per server (like the other in-memory stores), bounded: at most `maxKeys`
 * usernames and addresses are remembered, the least recently failed forgotten first.
 * The address is the one server.ts stamped on the request (client-address.ts): the TCP peer,
 * or X-Forwarded-For only under TRUST_PROXY.
 */
import { getEnv } from '@/env';

export interface SignInThrottleOptions {
  maxFailuresPerUsername: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  /** Usernames and addresses remembered at most (memory bound). Default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

export interface SignInThrottle {
  /** Null when an attempt may be checked, otherwise the message to refuse it with. */
  refusal(username: string, address: string): string | null;
  failed(username: string, address: string): void;
  succeeded(username: string): void;
}

export class SignInThrottledError extends Error {
  override name = 'SignInThrottledError';
}

export function createSignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const { windowMs, maxKeys = 100_000, now = Date.now } = options;
  /** Failure times (oldest first, at most the limit) per `user:` / `addr:` key; Map order = least recently failed first. */
  const failures = new Map<string, number[]>();

  const recent = (key: string, at: number): number[] => {
    const times = failures.get(key);
    if (!times) return [];
    while (times.length && times[0]! <= at - windowMs) times.shift();
    if (!times.length) failures.delete(key);
    return times;
  };
  const blockedFor = (key: string, limit: number, at: number): number => {
    const times = recent(key, at);
    return times.length >= limit ? times[times.length - limit]! + windowMs - at : 0;
  };
  const record = (key: string, limit: number, at: number) => {
    const times = recent(key, at);
    times.push(at);
    if (times.length > limit) times.shift();
    failures.delete(key);
    failures.set(key, times);
    while (failures.size > maxKeys) failures.delete(failures.keys().next().value!);
  };

  return {
    refusal(username, address) {
      const at = now();
      const waitMs = Math.max(
        blockedFor(userKey(username), options.maxFailuresPerUsername, at),
        blockedFor(`addr:${address}`, options.maxFailuresPerAddress, at),
      );
      return waitMs > 0 ? `Too many sign-in attempts, try again in ${Math.ceil(waitMs / 1000)} s` : null;
    },
    failed(username, address) {
      const at = now();
      record(userKey(username), options.maxFailuresPerUsername, at);
      record(`addr:${address}`, options.maxFailuresPerAddress, at);
    },
    succeeded(username) {
      failures.delete(userKey(username));
    },
  };
}

/** Usernames compare trimmed and case-insensitively here, so `Alice ` counts against `alice`. */
function userKey(username: string): string {
  return `user:${username.trim().toLowerCase().slice(0, 256)}`;
}

const THROTTLE_KEY = Symbol.for('socket-gateway.sign-in-throttle');
const holder = globalThis as { [THROTTLE_KEY]?: SignInThrottle };

/** The process's throttle (one for every module copy Next bundles), with the SIGN_IN_* settings. */
export function signInThrottle(): SignInThrottle {
  return (holder[THROTTLE_KEY] ??= createSignInThrottle(getEnv().signIn));
}
