/**
 * attacks.md L1: security headers on pages and API answers. Before: no CSP, no
 * frame-ancestors, no nosniff, no Referrer-Policy, so a same-site page could frame the
 * signed-in app. Now every answer that is not Socket.IO carries a CSP (`frame-ancestors
 * 'none'`, scripts by per-request nonce in production), X-Frame-Options DENY, nosniff and a
 * Referrer-Policy; the demo still works under that CSP in Chromium.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { assertChromiumInstalled, launchBrowser, newUserContext, signInThroughUi } from '../helpers/browser';

const suite = useAppServer();

function expectSecurityHeaders(response: Response, what: string) {
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("object-src 'none'");
  expect(response.headers.get('x-frame-options'), what).toBe('DENY');
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(response.headers.get('referrer-policy'), what).toBe('same-origin');
}

describe('L1: headers on every page and API answer', () => {
  it('pages, /api/trpc, /api/auth, /api/health, a 404, a static file and a 413 all carry them', async () => {
    const alice = await suite.signIn('alice');
    const get = (path: string, init: RequestInit = {}) => fetch(new URL(path, suite.app.url), { redirect: 'manual', ...init });
    const answers: Array<[string, Response]> = [
      ['signed-in page /', await get('/', { headers: { cookie: alice.cookie } })],
      ['/signin', await get('/signin')],
      ['redirect to /signin', await get('/')],
      ['tRPC query', await get('/api/trpc/room.mine', { headers: { cookie: alice.cookie } })],
      ['tRPC error', await get('/api/trpc/room.mine')],
      [
        'tRPC mutation',
        await get('/api/trpc/room.leave', { method: 'POST', headers: { cookie: alice.cookie, 'content-type': 'application/json' }, body: '{"room":"x"}' }),
      ],
      ['/api/auth/csrf', await get('/api/auth/csrf')],
      ['/api/health', await get('/api/health')],
      ['404', await get('/no-such-page')],
      ['/icon.svg', await get('/icon.svg')],
      ['413', await get('/api/trpc/room.join', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(100_000) })],
    ];
    console.log(`[L1] ${answers.map(([what, r]) => `${what}: ${r.status}`).join(', ')}`);
    console.log(`[L1] CSP of /signin: ${answers[1]![1].headers.get('content-security-policy')}`);
    for (const [what, response] of answers) expectSecurityHeaders(response, what);
    expect(answers[0]![1].status).toBe(200);
    expect(answers[10]![1].status).toBe(413);
  });

  it("pages get a fresh script nonce per request, and Next's scripts carry it", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(new URL('/signin', suite.app.url));
      const csp = response.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(csp)?.[1];
      expect(nonce, csp).toBeDefined();
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });
});

describe('L1 in Chromium', () => {
  let browser: Browser;
  let framer: Server;
  let framerUrl: string;
  assertChromiumInstalled();
  beforeAll(async () => {
    browser = await launchBrowser();
    // Another origin on the same site (localhost, another port) that frames the app.
    framer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>framer</title><iframe id="victim" src="${suite.app.url}/" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    framerUrl = `http://localhost:${(framer.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => framer?.close(resolve));
  });

  it('a same-site page cannot frame the signed-in app', async () => {
    const context = await newUserContext(browser, suite.app.url);
    try {
      const page = await context.newPage();
      await signInThroughUi(page, 'alice');
      const messages: string[] = [];
      const framing = await context.newPage();
      framing.on('console', (message: ConsoleMessage) => messages.push(message.text()));
      await framing.goto(framerUrl);
      await expect.poll(() => messages.some((text) => /frame-ancestors|X-Frame-Options/.test(text)), { timeout: 10_000 }).toBe(true);
      const frame = framing.frames().find((candidate) => candidate !== framing.mainFrame());
      expect(frame?.url().startsWith(suite.app.url)).not.toBe(true);
      console.log(`[L1] framing refused: ${messages.find((text) => /frame-ancestors|X-Frame-Options/.test(text))}`);
    } finally {
      await context.close();
    }
  });

  it('the demo works under the CSP: sign in, live socket, a notification arrives, no violation reported', async () => {
    const context = await newUserContext(browser, suite.app.url);
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message: ConsoleMessage) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => console.error(`Refused to: CSP ${event.violatedDirective} ${event.blockedURI}`));
      });
      await signInThroughUi(page, 'bob'); // waits for the live connection (websocket under connect-src)
      const form = page.getByTestId('notify-form');
      await form.getByLabel('To', { exact: true }).fill('bob');
      await form.getByLabel('Message', { exact: true }).fill('under the CSP');
      await form.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('inbox').getByText('under the CSP').waitFor({ timeout: 10_000 });
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
