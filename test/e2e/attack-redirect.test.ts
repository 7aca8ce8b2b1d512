/**
 * attacks.md M2: no open redirect through `callbackUrl`. URL parsers drop tab and newline,
 * so `/\t/evil.example` used to become `//evil.example` (another site) in the sign-in page's
 * 307 and in its `location.assign`, and `%0A` made a 500. The target is now resolved with the
 * URL parser against the app's origin and must stay on it; control characters and backslashes
 * send you to `/`.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { assertChromiumInstalled, launchBrowser, newUserContext } from '../helpers/browser';

const suite = useAppServer();

const OFF_SITE = [
  '/%09/evil.example',
  '/%0A/evil.example',
  '/%0D%0A/evil.example',
  '%09//evil.example',
  '/%5Cevil.example',
  '%5C%5Cevil.example',
  '//evil.example',
  '/.//evil.example',
  '%20//evil.example',
  'https://evil.example/',
  'http:/evil.example',
  'https:evil.example',
  'javascript:alert(1)',
  '/%00/evil.example',
];

async function signInPage(cookie: string | undefined, callbackUrl: string) {
  return fetch(new URL(`/signin?callbackUrl=${callbackUrl}`, suite.app.url), { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

describe('M2: callbackUrl stays on the app', () => {
  it('the signed-in sign-in page redirects (307) only to its own origin, and never answers 500', async () => {
    const alice = await suite.signIn('alice');
    const results: Record<string, string> = {};
    for (const payload of OFF_SITE) {
      const response = await signInPage(alice.cookie, payload);
      const location = response.headers.get('location');
      results[payload] = `${response.status} ${location}`;
      expect(response.status, payload).toBe(307);
      // The way a browser reads it: resolved against the page's URL.
      expect(new URL(location!, suite.app.url).origin, `${payload} → ${location}`).toBe(suite.app.url);
    }
    console.log(`[M2] ${JSON.stringify(results)}`);
    // Paths on the site are kept.
    const kept = (await signInPage(alice.cookie, encodeURIComponent('/rooms?x=1#top'))).headers.get('location');
    expect(new URL(kept!, suite.app.url).href).toBe(`${suite.app.url}/rooms?x=1#top`);
  });

  it('the sign-in page renders (200, not 500) for every payload while signed out, and hands its form a target on the app', async () => {
    for (const payload of OFF_SITE) {
      const response = await signInPage(undefined, payload);
      expect(response.status, payload).toBe(200);
      // The form's `callbackUrl` prop (what location.assign gets), as serialized in the RSC payload.
      const prop = /\\"callbackUrl\\":\\"(.*?)\\"/.exec(await response.text())?.[1];
      expect(prop, payload).toBeDefined();
      const target = JSON.parse(`"${prop!.replace(/\\\\/g, '\\')}"`) as string;
      expect(new URL(target, suite.app.url).origin, `${payload} → ${JSON.stringify(target)}`).toBe(suite.app.url);
    }
  });

  it("next-auth's own redirect after sign-in stays on the app", async () => {
    const csrf = await fetch(new URL('/api/auth/csrf', suite.app.url));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = csrf.headers
      .getSetCookie()
      .map((line) => line.split(';', 1)[0])
      .join('; ');
    for (const callbackUrl of ['/\t/evil.example', 'https://evil.example/', '/\\evil.example']) {
      const response = await fetch(new URL('/api/auth/callback/credentials', suite.app.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ csrfToken, username: 'alice', password: 'demo', callbackUrl, json: 'true' }),
      });
      const { url } = (await response.json()) as { url: string };
      expect(new URL(url).origin, `${JSON.stringify(callbackUrl)} → ${url}`).toBe(suite.app.url);
    }
  });
});

describe('M2 in Chromium: the sign-in form never navigates off-site', () => {
  let browser: Browser;
  assertChromiumInstalled();
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signing in from /signin?callbackUrl=/%09/evil.example lands on the app', async () => {
    const context = await newUserContext(browser, suite.app.url);
    try {
      const page = await context.newPage();
      const offSite: string[] = [];
      await context.route(
        (url) => !url.href.startsWith(suite.app.url),
        (route) => {
          offSite.push(route.request().url());
          return route.abort();
        },
      );
      await page.goto('/signin?callbackUrl=/%09/evil.example');
      await page.getByLabel('Username', { exact: true }).fill('alice');
      await page.getByLabel('Password', { exact: true }).fill('demo');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.origin === suite.app.url && url.pathname === '/', { timeout: 20_000 });
      expect(offSite).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
