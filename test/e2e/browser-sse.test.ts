/**
 * Issue 20 item 5: Chromium receives pushes over SSE from a deployment that runs only `next start`
 * (plus Redis), with REALTIME_TRANSPORT=sse: the demo's own pages, signed in through the form,
 * show events a second process emits (the CLI), and a tab that was offline gets what it missed
 * when it comes back (its subscription resumes with the last event id). No Socket.IO request
 * is ever made.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newUserContext, signInThroughUi, waitForConnected, connectionBadge } from '../helpers/browser';
import { emitFromCli, startNextOnly, type NextStart } from '../helpers/next-start';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const notification = (message: string) => JSON.stringify({ id: message, from: 'cron', message, sentAt: Date.now() });

describe('Chromium over tRPC SSE (next start + Redis, no server.ts)', () => {
  let redis: RedisServer;
  let app: NextStart;
  let browser: Browser;

  beforeAll(async () => {
    redis = await startRedisServer();
    // Responses end every 2 s (as a serverless platform's limit would), so going offline shows at once:
    // Chromium's offline mode stops new requests, not a response already streaming.
    app = await startNextOnly({ REDIS_URL: redis.url, REALTIME_TRANSPORT: 'sse', SSE_MAX_DURATION_MS: '2000' });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await redis?.stop();
  });

  it('shows pushes live, and what was missed while offline, with no socket at all', async () => {
    const context = await newUserContext(browser, app.url);
    const page: Page = await context.newPage();
    const socketRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/socket.io')) socketRequests.push(request.url());
    });
    await signInThroughUi(page, 'alice');
    const inbox = page.getByTestId('inbox');

    await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification('live over SSE')]);
    await inbox.getByText('live over SSE').waitFor({ timeout: 20_000 });

    await context.setOffline(true);
    await connectionBadge(page).and(page.locator('[data-status="reconnecting"]')).waitFor({ timeout: 20_000 });
    await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification('sent while offline')]);
    await context.setOffline(false);
    await waitForConnected(page, 30_000);
    await inbox.getByText('sent while offline').waitFor({ timeout: 30_000 });
    expect(await inbox.getByText('sent while offline').count()).toBe(1);
    expect(socketRequests).toEqual([]);
    await context.close();
  }, 120_000);
});
