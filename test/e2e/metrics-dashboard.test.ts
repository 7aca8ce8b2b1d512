/**
 * The admin's live metrics page (issue 13) in headless Chromium, against two production nodes
 * (server.ts) sharing a real Redis: the page charts every series with a line per node, and its
 * numbers move when a socket connects to the OTHER node and when events are sent there. A signed-in
 * non-admin opening the page gets a 403 and no data from `metrics.dashboard` (asserted on the
 * network answer), an anonymous caller a 401. Each node also serves /metrics on its METRICS_PORT listener.
 *
 * UPDATE_DASHBOARD_SCREENSHOT=1 also stages some live traffic and saves docs/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSocket, signIn, type Session } from '../helpers/app-process';
import { assertChromiumInstalled, launchBrowser, newUserContext, saveScreenshots, signInThroughUi } from '../helpers/browser';
import { startCluster, type Cluster } from '../helpers/cluster';
import { settle, type TestClient } from '../helpers/socket-server';

const SERIES = ['sockets', 'users', 'emitted', 'deliveries', 'replays', 'resyncs'] as const;
const DATA_SOURCE = '/api/trpc/metrics.dashboard';

let cluster: Cluster;
let browser: Browser;
const contexts: BrowserContext[] = [];
const sockets: TestClient[] = [];
let admin: Page;

const nodeA = () => cluster.nodes[0]!;
const nodeB = () => cluster.nodes[1]!;
const isDataSource = (response: Response) => new URL(response.url()).pathname === DATA_SOURCE;
const chart = (page: Page, series: string) => page.getByTestId(`chart-${series}`);
const chartNumber = async (page: Page, series: string, attribute: 'data-value' | 'data-peak') => Number(await chart(page, series).getAttribute(attribute));

async function signedInPage(username: string): Promise<Page> {
  const context = await newUserContext(browser, nodeA().url);
  context.setDefaultTimeout(30_000);
  contexts.push(context);
  const page = await context.newPage();
  await signInThroughUi(page, username);
  return page;
}

// At collection time: no browser fails the whole file with the package to install (never a skip).
assertChromiumInstalled();

beforeAll(async () => {
  [cluster, browser] = await Promise.all([startCluster({ keyPrefix: 'dash-e2e:', env: { METRICS_PORT: '0' } }), launchBrowser()]);
  admin = await signedInPage('admin');
});

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(async () => {
    const saved = await saveScreenshots(
      contexts.flatMap((context) => context.pages()),
      `metrics-dashboard-${task.name}`,
    );
    console.error(`screenshots of the failed test: ${saved.join(', ')}`);
  });
});

afterAll(async () => {
  if (process.env.UPDATE_DASHBOARD_SCREENSHOT === '1' && admin) await captureDashboardScreenshot();
  for (const socket of sockets) socket.disconnect();
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await cluster?.stop();
});

describe('live metrics page', () => {
  it('is linked from the header for the admin, and charts every series with a line per node', async () => {
    const answer = admin.waitForResponse(isDataSource);
    await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Metrics' }).click();
    await admin.waitForURL((url) => url.pathname === '/admin/metrics');
    expect((await answer).status()).toBe(200);
    await expect.poll(() => admin.getByTestId('metrics-nodes').textContent(), { timeout: 20_000 }).toMatch(/^2 nodes/);
    for (const series of SERIES) {
      const figure = chart(admin, series);
      await figure.waitFor();
      // An accessible chart: an image named by its title, with a line per node.
      await expect.poll(() => figure.getByRole('img').getAttribute('aria-labelledby')).toBeTruthy();
      expect(await figure.locator('polyline').count()).toBe(2);
      expect(await figure.locator('.chart__legend li').count()).toBe(2);
    }
    // The admin's own tab is connected to node A.
    await expect.poll(() => chartNumber(admin, 'sockets', 'data-value')).toBeGreaterThanOrEqual(1);
  });

  it('moves when a socket connects to the other node and when events are sent there', async () => {
    const before = await chartNumber(admin, 'sockets', 'data-value');
    const bob = await signIn(nodeB().url, 'bob');
    sockets.push(await openSocket(nodeB().url, bob), await openSocket(nodeB().url, bob));
    await expect.poll(() => chartNumber(admin, 'sockets', 'data-value'), { timeout: 10_000 }).toBe(before + 2);
    await expect.poll(() => admin.getByTestId('chart-sockets').locator('.chart__legend li').allTextContents()).toContainEqual(expect.stringMatching(/2$/));

    for (let i = 0; i < 5; i++) expect((await bob.mutate('notification.send', { toUserId: 'bob', message: `ping ${i}` })).ok).toBe(true);
    await expect.poll(() => chartNumber(admin, 'emitted', 'data-peak'), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => chartNumber(admin, 'deliveries', 'data-peak'), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('gives a signed-in non-admin no data: a 403 from the data source, and no link in the header', async () => {
    const alice = await signedInPage('alice');
    expect(await alice.getByRole('link', { name: 'Metrics' }).count()).toBe(0);
    const answer = alice.waitForResponse(isDataSource);
    await alice.goto('/admin/metrics');
    const response = await answer;
    expect(response.status()).toBe(403);
    const body = JSON.stringify(await response.json());
    expect(body).toContain('FORBIDDEN');
    expect(body).not.toContain('samples');
    await alice.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();
    expect(await alice.locator('.chart').count()).toBe(0);
  });

  it("serves each node's Prometheus metrics on its METRICS_PORT listener, with Redis command latency", async () => {
    const url = /> Metrics on (http:\/\/[^\s"]+)/.exec(nodeB().app!.output())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(url!)).text();
    expect(text).toMatch(/^socket_gateway_redis_command_duration_seconds_count\{command="EVALSHA"\} [1-9]/m);
    expect(text).toMatch(/^socket_gateway_sockets_connected [1-9]/m);
    expect((await fetch(new URL('/api/metrics', url))).status).toBe(404);
  });

  it('answers an anonymous caller 401 with no data', async () => {
    const response = await fetch(new URL(DATA_SOURCE, nodeA().url));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('samples');
  });
});

/** Some live traffic on both nodes (sockets, notifications, a replay, a resync), then docs/dashboard.png of the admin's page. */
async function captureDashboardScreenshot(): Promise<void> {
  const sessions: Session[] = [];
  for (const [i, user] of ['alice', 'bob', 'carol'].entries()) sessions.push(await signIn(cluster.nodes[i % 2]!.url, user));
  for (let round = 0; round < 25; round++) {
    const session = sessions[round % sessions.length]!;
    const node = cluster.nodes[round % 2]!;
    if (round % 3 === 0 && round < 18) sockets.push(await openSocket(node.url, session));
    if (round % 8 === 5) sockets.shift()?.disconnect();
    for (let i = 0; i < 1 + (round % 4) * 3; i++)
      await session.mutate('notification.send', { toUserId: ['alice', 'bob', 'carol'][i % 3], message: `load ${round}.${i}` });
    if (round % 6 === 2) await reconnectWithResume(node.url, session, round % 12 === 2);
    await settle(800);
  }
  await settle(1500);
  mkdirSync('docs', { recursive: true });
  await admin.setViewportSize({ width: 1100, height: 640 });
  await admin.screenshot({ path: 'docs/dashboard.png', fullPage: true });
}

/** A socket that drops and comes back asking to resume: from where it was (a replay) or from an unknown epoch (a resync). */
async function reconnectWithResume(url: string, session: Session, replay: boolean): Promise<void> {
  const open = async (resume?: { epoch: string; position: string }) => {
    const minted = await session.query<{ token: string }>('socket.token');
    if (!minted.ok) throw new Error(`socket.token failed: ${minted.code}`);
    const socket = connect(url, {
      auth: { token: minted.data.token, replay: true, ...(resume ? { resume } : {}) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    // Listening before the handshake: the server sends its sync right after it.
    const sync = new Promise<{ epoch: string; position: string }>((resolve) => socket.once('gateway:sync' as never, resolve as never));
    return { socket: socket as TestClient, sync };
  };
  const first = await open();
  const { epoch, position } = await first.sync;
  first.socket.disconnect();
  await session.mutate('notification.send', { toUserId: 'carol', message: 'while away' });
  const again = await open({ epoch: replay ? epoch : 'an-old-epoch', position });
  sockets.push(again.socket);
  await again.sync;
}
