/**
 * Membership is live in every tab (issue 18, item 2), in a real browser: headless Chromium
 * against the production build started through server.ts. Two tabs of alice: a room joined in
 * one (or through the API) shows in the other without a reload, with the room's posts; a room
 * left drops out of both. Nothing focuses or reloads the second tab: only `membership:changed`
 * can tell it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionWithCookie, signIn, startAppServer, type AppServer, type Session } from '../helpers/app-server';
import { assertChromiumInstalled, launchBrowser, newUserContext, saveScreenshots, signInThroughUi, waitForConnected } from '../helpers/browser';

/** A generous safety bound for "shows in the other tab" (the issue asks for about a second; the time is logged). */
const SHOWN_WITHIN_MS = 5000;

let app: AppServer;
let browser: Browser;
let context: BrowserContext;
let tab1: Page;
let tab2: Page;
let bob: Session;
/** The Socket.IO frames each tab received. */
const wire = new Map<Page, string[]>();

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;
const roomCard = (page: Page, room: string) => page.getByTestId(`room-${room}`);

/** Marks the page's current document, so a reload (a new document) is noticed. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
}
function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

async function postFromPage(page: Page, room: string, message: string) {
  const card = roomCard(page, room);
  await card.getByLabel(`Message to ${room}`).fill(message);
  await card.getByRole('button', { name: 'Post' }).click();
}

/** Resolves with when `page` next sends a tRPC request for `procedure` (epoch ms). */
function requestTime(page: Page, procedure: string): Promise<number> {
  return new Promise((resolve) => {
    const onRequest = (request: { url(): string }) => {
      if (!new URL(request.url()).pathname.startsWith('/api/trpc/') || !request.url().includes(procedure)) return;
      page.off('request', onRequest);
      resolve(Date.now());
    };
    page.on('request', onRequest);
  });
}

/** Records the Socket.IO frames `page` receives (call before its socket opens). */
function recordWire(page: Page): void {
  const frames: string[] = [];
  wire.set(page, frames);
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname.startsWith('/socket.io')) ws.on('framereceived', ({ payload }) => frames.push(String(payload)));
  });
}

/** Resolves once `text` has reached `page` over its socket. */
function arrivedOver(page: Page, text: string): Promise<void> {
  return vi.waitFor(
    () => {
      if (!wire.get(page)?.some((frame) => frame.includes(text))) throw new Error(`${text} has not reached the tab's socket`);
    },
    { timeout: 10_000, interval: 20 },
  );
}

/**
 * Holds `page`'s first `room.history` answer for `room` on its way back (a slow response): the
 * server answers at once (`served` resolves then), the page gets that answer only once `until`
 * resolves. The answer is the real server's, only late.
 */
async function holdFirstHistoryAnswer(page: Page, room: string, until: () => Promise<unknown>): Promise<{ served: Promise<void> }> {
  let served!: () => void;
  const answered = new Promise<void>((resolve) => (served = resolve));
  let held = false;
  await page.route(
    (url) => url.pathname.startsWith('/api/trpc/') && url.pathname.includes('room.history') && decodeURIComponent(url.search).includes(`"${room}"`),
    async (route) => {
      if (held) return route.continue();
      held = true;
      const response = await route.fetch();
      served();
      await until();
      // The page may be gone meanwhile (a test that failed and closed it): nothing to deliver then.
      await route.fulfill({ response }).catch(() => undefined);
    },
  );
  return { served: answered };
}

/** Waits until `text` shows in `room`'s card in every tab; the error names each tab that missed it and what its card showed. */
async function shownInEveryTab(tabs: Record<string, Page>, room: string, text: string): Promise<void> {
  const names = Object.keys(tabs);
  const results = await Promise.allSettled(names.map((name) => roomCard(tabs[name]!, room).getByText(text).waitFor({ timeout: SHOWN_WITHIN_MS })));
  const missed = await Promise.all(
    names
      .filter((_, i) => results[i]!.status === 'rejected')
      .map(async (name) => {
        const card = await roomCard(tabs[name]!, room)
          .innerText({ timeout: 1000 })
          .catch(() => 'no card');
        return `${name} (its card shows ${JSON.stringify(card)})`;
      }),
  );
  if (missed.length > 0) throw new Error(`"${text}" did not show within ${SHOWN_WITHIN_MS} ms in ${missed.join(' and in ')}`);
}

/** Waits until `room`'s card shows on `page`; resolves with how long it took. */
async function shownWithin(page: Page, room: string, started: number): Promise<number> {
  await roomCard(page, room).waitFor({ timeout: SHOWN_WITHIN_MS });
  return Date.now() - started;
}

assertChromiumInstalled();

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  context = await newUserContext(browser, app.url);
  context.setDefaultTimeout(20_000);
  tab1 = await context.newPage();
  recordWire(tab1);
  await signInThroughUi(tab1, 'alice');
  tab2 = await context.newPage();
  recordWire(tab2);
  await tab2.goto('/');
  await waitForConnected(tab2);
  await tab2.getByText('You are not in any room yet').waitFor();
  await markDocument(tab2);
  bob = await signIn(app.url, 'bob');
});

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(async () => {
    const saved = await saveScreenshots(context.pages(), `membership-tabs-${task.name}`);
    console.error(`screenshots of the failed test: ${saved.join(', ')}`);
  });
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await app?.stop();
});

describe('membership is live in every tab (Chromium, production build)', () => {
  it('a room joined in tab 1 shows in tab 2 without a reload, with posts by bob and by tab 1; leaving in tab 1 drops it from tab 2', async () => {
    const room = unique('live');
    expect((await bob.mutate('room.join', { room })).ok).toBe(true);

    // Like a user: tab 1 in front, tab 2 behind it. (Headless Chromium keeps both `visible` and
    // does not throttle tab 2's timers: measured, setTimeout(0) takes 0-1 ms there.)
    await tab1.bringToFront();
    await tab1.getByLabel('Room name', { exact: true }).fill(room);
    const joinSent = requestTime(tab1, 'room.join');
    await tab1.getByRole('button', { name: 'Join', exact: true }).click();
    const took = await shownWithin(tab2, room, await joinSent);
    console.log(`membership: the room joined in tab 1 showed in tab 2 ${took} ms after tab 1 sent room.join`);
    await roomCard(tab2, room).getByText('No messages yet').waitFor();

    const fromBob = unique('hello from bob');
    expect((await bob.mutate('room.post', { room, message: fromBob })).ok).toBe(true);
    await roomCard(tab2, room).getByText(fromBob).waitFor({ timeout: SHOWN_WITHIN_MS });
    await roomCard(tab1, room).getByText(fromBob).waitFor({ timeout: SHOWN_WITHIN_MS });

    const fromTab1 = unique('hello from tab 1');
    await postFromPage(tab1, room, fromTab1);
    await roomCard(tab2, room).getByText(fromTab1).waitFor({ timeout: SHOWN_WITHIN_MS });
    await expect.poll(() => roomCard(tab2, room).locator('.message__text').allTextContents()).toEqual([fromBob, fromTab1]);

    const leaveSent = requestTime(tab1, 'room.leave');
    await roomCard(tab1, room)
      .getByRole('button', { name: `Leave ${room}` })
      .click();
    await roomCard(tab2, room).waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS });
    console.log(`membership: the room left in tab 1 dropped from tab 2 ${Date.now() - (await leaveSent)} ms after tab 1 sent room.leave`);
    await roomCard(tab1, room).waitFor({ state: 'detached' });
    expect(await sameDocument(tab2)).toBe(true);
  });

  it('a room joined and left through the API (room.join / room.leave with alice’s session) shows in and drops from both tabs', async () => {
    const room = unique('api');
    const cookies = await context.cookies(app.url);
    const alice = sessionWithCookie(app.url, cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '));

    const fromBob = unique('api room post');
    // The race that made this test flaky under load, made certain: each card's first history
    // answer is read by the server before bob posts and reaches the tab after his post's event.
    // The event must still bring the post (it refetches the history; the late answer is stale).
    const held = await Promise.all([tab1, tab2].map((page) => holdFirstHistoryAnswer(page, room, () => arrivedOver(page, fromBob))));

    const started = Date.now();
    expect((await alice.mutate('room.join', { room })).ok).toBe(true);
    const took = await Promise.all([shownWithin(tab1, room, started), shownWithin(tab2, room, started)]);
    console.log(`membership: a room joined through the API showed in the tabs after ${took.join(' / ')} ms`);
    await Promise.all(held.map(({ served }) => served));

    expect((await bob.mutate('room.join', { room })).ok).toBe(true);
    expect((await bob.mutate('room.post', { room, message: fromBob })).ok).toBe(true);
    await shownInEveryTab({ 'tab 1': tab1, 'tab 2': tab2 }, room, fromBob);

    expect((await alice.mutate('room.leave', { room })).ok).toBe(true);
    await Promise.all([tab1, tab2].map((page) => roomCard(page, room).waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS })));
    expect(await sameDocument(tab2)).toBe(true);
  });
});
