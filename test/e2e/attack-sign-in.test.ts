/**
 * Sign-in attacks against the production build.
 * - C1: a production start without DEMO_USERS has no accounts (admin/demo, alice/demo refused),
 *   and the sign-in page never shows a password in production, even with demo accounts set.
 * - L4: wrong passwords are throttled per username and address (5 a minute) and per client address
 *   (20 a minute), with a message that says when to retry; the address is the TCP peer's, so a
 *   forged X-Forwarded-For changes nothing. Before: 300 wrong passwords, none throttled.
 */
import { describe, expect, it } from 'vitest';
import { startAppServer, useAppServer } from '../helpers/app-server';
import { signInAttempt } from '../helpers/attack';

const THROTTLED = /^Too many sign-in attempts, try again in \d+ s$/;

describe('C1: no default credentials in production', () => {
  it('without DEMO_USERS there is no account to sign in to, and the page lists none', async () => {
    const app = await startAppServer({ DEMO_USERS: '' });
    try {
      const attempts = await Promise.all([signInAttempt(app.url, 'admin', 'demo'), signInAttempt(app.url, 'alice', 'demo')]);
      console.log(`[C1] DEMO_USERS unset: ${attempts.map((a) => (a.signedIn ? 'signed in' : `refused (${a.error})`)).join(', ')}`);
      expect(attempts.map(({ signedIn, error }) => ({ signedIn, error }))).toEqual([
        { signedIn: false, error: 'CredentialsSignin' },
        { signedIn: false, error: 'CredentialsSignin' },
      ]);
      const html = await (await fetch(new URL('/signin', app.url))).text();
      expect(html).not.toContain('Demo accounts');
      expect(html).not.toMatch(/password\s*(<!-- -->)?\s*<code>/);
    } finally {
      await app.stop();
    }
  });
});

describe('sign-in in production with DEMO_USERS set', () => {
  const suite = useAppServer();

  it('C1: the sign-in page never shows the password', async () => {
    const html = await (await fetch(new URL('/signin', suite.app.url))).text();
    expect(html).toContain('alice'); // the accounts are listed…
    expect(html).not.toMatch(/password\s*(<!-- -->)?\s*<code>/); // …their password is not
    expect(html).not.toContain('"demoPassword":"demo"');
  });

  it('L4: 300 wrong passwords for one username: 5 are checked, the rest throttled, and so is the right one from that address (not from another: F10)', async () => {
    const results: Array<string | null> = [];
    const started = Date.now();
    // 10 at a time, as fast as the server answers.
    for (let i = 0; i < 300; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, j) => signInAttempt(suite.app.url, 'carol', `wrong-${i + j}`, { localAddress: '127.0.0.2' })),
      );
      results.push(...batch.map((attempt) => attempt.error));
    }
    const checked = results.filter((error) => error === 'CredentialsSignin').length;
    const throttled = results.filter((error) => error !== null && THROTTLED.test(error)).length;
    console.log(`[L4] 300 wrong passwords for carol: ${checked} checked, ${throttled} throttled ("${results.at(-1)}")`);
    // A token bucket: 5 at once, then one more every 60 s / 5 = 12 s the run lasts.
    const refilled = Math.floor((Date.now() - started) / 12_000);
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(checked).toBeLessThanOrEqual(5 + refilled);
    expect(throttled).toBe(300 - checked);
    // The right password is throttled too from the guessing address while the window lasts…
    const right = await signInAttempt(suite.app.url, 'carol', 'demo', { localAddress: '127.0.0.2' });
    expect(right.signedIn).toBe(false);
    expect(right.error).toMatch(THROTTLED);
    // …but the guesser cannot lock carol out: from another address her password works (attacks-3 F10).
    expect((await signInAttempt(suite.app.url, 'carol', 'demo', { localAddress: '127.0.0.3' })).signedIn).toBe(true);
    // Other usernames are not affected from a clean address.
    expect((await signInAttempt(suite.app.url, 'bob', 'demo', { localAddress: '127.0.0.4' })).signedIn).toBe(true);
  });

  it('L4: one address guessing many usernames is throttled after 20 failures, whatever X-Forwarded-For says', async () => {
    const results: Array<string | null> = [];
    for (let i = 0; i < 30; i++) {
      const forged = { 'x-forwarded-for': `10.0.${i}.1` };
      results.push((await signInAttempt(suite.app.url, `user${i}`, 'guess', { localAddress: '127.0.0.5', headers: forged })).error);
    }
    const checked = results.filter((error) => error === 'CredentialsSignin').length;
    console.log(`[L4] 30 usernames from one address: ${checked} checked, then "${results.at(-1)}"`);
    expect(checked).toBe(20);
    expect(results.slice(20).every((error) => error !== null && THROTTLED.test(error))).toBe(true);
    // That address cannot sign in as anyone for now; another address can.
    expect((await signInAttempt(suite.app.url, 'admin', 'demo', { localAddress: '127.0.0.5' })).error).toMatch(THROTTLED);
    expect((await signInAttempt(suite.app.url, 'admin', 'demo', { localAddress: '127.0.0.6' })).signedIn).toBe(true);
  });
});
