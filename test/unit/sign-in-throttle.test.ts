import { describe, expect, it } from 'vitest';
import { createSignInThrottle } from '@/server/http/sign-in-throttle';

function throttle(maxKeys?: number) {
  let now = 1_000_000;
  const t = createSignInThrottle({ maxFailuresPerUsername: 5, maxFailuresPerAddress: 20, windowMs: 60_000, maxKeys, now: () => now });
  return { t, advance: (ms: number) => (now += ms) };
}

describe('sign-in throttle', () => {
  it('refuses a username after 5 failures within the window, with the wait in seconds', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 5; i++) {
      expect(t.refusal('alice', '10.0.0.1')).toBeNull();
      t.failed('alice', '10.0.0.1');
      advance(1000);
    }
    expect(t.refusal('alice', '10.0.0.2')).toBe('Too many sign-in attempts, try again in 55 s');
    expect(t.refusal(' ALICE ', '10.0.0.3')).not.toBeNull(); // same username, other spelling
    expect(t.refusal('bob', '10.0.0.1')).toBeNull();
    advance(55_000); // the oldest failure leaves the window
    expect(t.refusal('alice', '10.0.0.2')).toBeNull();
  });

  it('refuses an address after 20 failures, whatever the usernames', () => {
    const { t } = throttle();
    for (let i = 0; i < 20; i++) t.failed(`user${i}`, '10.0.0.9');
    expect(t.refusal('someone-new', '10.0.0.9')).toMatch(/^Too many sign-in attempts, try again in \d+ s$/);
    expect(t.refusal('someone-new', '10.0.0.8')).toBeNull();
  });

  it('a success clears the username, not the address', () => {
    const { t } = throttle();
    for (let i = 0; i < 4; i++) t.failed('carol', '10.0.0.1');
    t.succeeded('carol');
    for (let i = 0; i < 4; i++) t.failed('carol', '10.0.0.1');
    expect(t.refusal('carol', '10.0.0.2')).toBeNull();
    expect(t.refusal('x', '10.0.0.1')).toBeNull(); // 8 of 20
  });

  it('remembers a bounded number of keys', () => {
    const { t } = throttle(10);
    for (let i = 0; i < 5; i++) t.failed('first', `10.1.0.${i}`);
    for (let i = 0; i < 50; i++) t.failed(`spray${i}`, '10.2.0.1');
    expect(t.refusal('first', '10.3.0.1')).toBeNull(); // forgotten: the oldest keys go first
  });
});
