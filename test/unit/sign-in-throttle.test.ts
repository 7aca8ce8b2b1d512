/**
 * The sign-in throttle's rules over the memory rate-limit store with a hand-driven clock: per
 * (username, address) for every attempt, per address and per account (all addresses) for
 * failures, and the account-wide limit binding only addresses that already tried that account.
 */
import { describe, expect, it } from 'vitest';
import { createSignInThrottle } from '@/server/http/sign-in-throttle';
import { createMemoryRateLimitStore } from 'socket-gateway/advanced';

const THROTTLED = /^Too many sign-in attempts, try again in \d+ s$/;

function throttle() {
  let now = 1_000_000;
  const store = createMemoryRateLimitStore({ now: () => now });
  const t = createSignInThrottle({ maxFailuresPerUsername: 5, maxFailuresPerAddress: 20, maxFailuresPerAccount: 50, windowMs: 60_000, store: () => store });
  /** One attempt with a wrong password: its refusal, or null when it was checked (and failed). */
  const wrong = async (username: string, address: string) => {
    const refusal = await t.attempt(username, address);
    if (refusal === null) await t.failed(username, address);
    return refusal;
  };
  return { t, wrong, advance: (ms: number) => (now += ms) };
}

describe('sign-in throttle', () => {
  it('refuses a username from one address after 5 failures within the window, with the wait in seconds', async () => {
    const { t, wrong, advance } = throttle();
    for (let i = 0; i < 5; i++) expect(await wrong('alice', '10.0.0.1')).toBeNull();
    expect(await t.attempt('alice', '10.0.0.1')).toBe('Too many sign-in attempts, try again in 12 s'); // one attempt back every 12 s
    expect(await t.attempt(' ALICE ', '10.0.0.1')).toMatch(THROTTLED); // same username, other spelling
    expect(await t.attempt('bob', '10.0.0.1')).toBeNull();
    advance(12_000);
    expect(await t.attempt('alice', '10.0.0.1')).toBeNull();
  });

  it('F10: 5 wrong attempts from address A do not lock the account: the right password from B gets through', async () => {
    const { t, wrong } = throttle();
    for (let i = 0; i < 5; i++) await wrong('admin', '127.0.0.2');
    expect(await wrong('admin', '127.0.0.2')).toMatch(THROTTLED);
    expect(await t.attempt('admin', '127.0.0.3')).toBeNull();
  });

  it('the account-wide limit (50 failures from any addresses) binds addresses that tried the account, never a fresh one', async () => {
    const { t, wrong } = throttle();
    for (let i = 0; i < 50; i++) expect(await wrong('carol', `10.1.0.${i}`)).toBeNull(); // one guess each from 50 addresses
    expect(await t.attempt('carol', '10.1.0.7')).toMatch(THROTTLED); // a guesser's address: no second guess
    expect(await t.attempt('carol', '10.9.9.9')).toBeNull(); // the owner, from an address that was not guessing
    expect(await t.attempt('dave', '10.1.0.7')).toBeNull(); // other accounts are not affected
  });

  it('refuses an address after 20 failures, whatever the usernames', async () => {
    const { t, wrong } = throttle();
    for (let i = 0; i < 20; i++) expect(await wrong(`user${i}`, '10.0.0.9')).toBeNull();
    expect(await t.attempt('someone-new', '10.0.0.9')).toMatch(THROTTLED);
    expect(await t.attempt('someone-new', '10.0.0.8')).toBeNull();
  });

  it('successful sign-ins do not count: not against the address (many users behind one NAT), not against the account', async () => {
    const { t } = throttle();
    for (let i = 0; i < 100; i++) {
      expect(await t.attempt(i % 2 ? 'erin' : `user${i}`, '10.0.0.10')).toBeNull();
      await t.succeeded(i % 2 ? 'erin' : `user${i}`, '10.0.0.10');
    }
  });
});
