/**
 * The demo in Chromium on a two-node cluster (issues 10 and 11, Tests, Chromium): alice's tab is
 * on node A, bob's goes through a TCP proxy (the load balancer) to node B. They see each other's
 * notifications live across the nodes; then B is SIGKILLed while notifications to bob are sent,
 * the proxy sends bob to A, and his page shows every one of them, each once, without a reload.
 * "Each once" is checked on the wire too (websocket frames and long-polling answers), since the
 * inbox itself ignores a repeated id.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/app-process';
import {
  assertChromiumInstalled,
  connectionBadge,
  launchBrowser,
  newUserContext,
  saveScreenshots,
  signInThroughUi,
  waitForConnected,
} from '../helpers/browser';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

assertChromiumInstalled();

let cluster: Cluster;
let A: ClusterNode;
let B: ClusterNode;
let proxy: TcpProxy;
let browser: Browser;
const contexts: BrowserContext[] = [];
let alicePage: Page;
let bobPage: Page;
/** Everything bob's page received over Socket.IO: websocket frames and long-polling answers (the fallback). */
const bobWire: string[] = [];
/** How many times `text` came over bob's wire (a polling answer may carry several packets). */
const onBobWire = (text: string) => bobWire.join('\n').split(JSON.stringify(text)).length - 1;

const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;
const inbox = (page: Page) => page.getByTestId('inbox');

async function signedInPage(baseURL: string, username: string): Promise<Page> {
  const context = await newUserContext(browser, baseURL);
  context.setDefaultTimeout(20_000);
  contexts.push(context);
  const page = await context.newPage();
  await signInThroughUi(page, username);
  return page;
}

async function sendNotification(page: Page, to: string, message: string) {
  const form = page.getByTestId('notify-form');
  await form.getByLabel('To', { exact: true }).fill(to);
  await form.getByLabel('Message', { exact: true }).fill(message);
  await form.getByRole('button', { name: 'Send' }).click();
}

beforeAll(async () => {
  // The proxy exists first: its origin must be among the nodes' allowed origins, and it is node
  // B's public URL (NEXTAUTH_URL: the one origin B accepts tRPC mutations from, as behind a load
  // balancer). alice's tab talks to A directly, at A's own URL.
  proxy = await startTcpProxy(1);
  const starting = startCluster({
    keyPrefix: 'cluster-browser:',
    extraOrigins: [proxy.url],
    nodeEnv: (node): Record<string, string> => (node.name === 'B' ? { NEXTAUTH_URL: proxy.url } : {}),
  });
  [cluster, browser] = await Promise.all([starting, launchBrowser()]);
  [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
  proxy.retarget(B.port);
  alicePage = await signedInPage(A.url, 'alice');
  const bobContext = await newUserContext(browser, proxy.url);
  bobContext.setDefaultTimeout(20_000);
  contexts.push(bobContext);
  bobPage = await bobContext.newPage();
  bobPage.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => bobWire.push(String(payload))));
  bobPage.on('response', (response) => {
    if (response.url().includes('/socket.io/') && response.request().method() === 'GET') {
      response.text().then(
        (body) => bobWire.push(body),
        () => undefined,
      );
    }
  });
  await signInThroughUi(bobPage, 'bob');
});

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(async () => {
    const saved = await saveScreenshots(
      contexts.flatMap((context) => context.pages()),
      `cluster-browser-${task.name}`,
    );
    console.error(`screenshots of the failed test: ${saved.join(', ')}`);
  });
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await proxy?.close();
  await cluster?.stop();
});

describe('the demo on two nodes, in Chromium', () => {
  it("a tab on node A and a tab on node B, signed in as different users, see each other's notifications live", async () => {
    const toBob = unique('from alice on A');
    await sendNotification(alicePage, 'bob', toBob);
    await inbox(bobPage).getByText(toBob).waitFor({ timeout: 30_000 });
    const toAlice = unique('from bob on B');
    await sendNotification(bobPage, 'alice', toAlice);
    await inbox(alicePage).getByText(toAlice).waitFor({ timeout: 30_000 });
    expect(await inbox(alicePage).getByText(toBob).count()).toBe(0);
  });

  it("bob's page shows every notification sent while his node was SIGKILLed, each once, without a reload", async () => {
    await bobPage.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const alice = await signIn(A.url, 'alice');
    const texts = Array.from({ length: 5 }, (_, i) => unique(`while B was down ${i}`));

    proxy.setRefusing(true); // the load balancer has not noticed yet
    const killed = Date.now();
    await cluster.kill(B, 'SIGKILL');
    await connectionBadge(bobPage).and(bobPage.locator('[data-status="reconnecting"]')).waitFor({ timeout: 30_000 });
    for (const message of texts) expect((await alice.mutate('notification.send', { toUserId: 'bob', message })).ok).toBe(true);
    proxy.retarget(A.port); // now it has
    proxy.setRefusing(false);

    await waitForConnected(bobPage, 30_000);
    for (const message of texts) await inbox(bobPage).getByText(message, { exact: true }).waitFor({ timeout: 30_000 });
    console.log(`browser: bob's page showed the ${texts.length} missed notifications ${Date.now() - killed} ms after SIGKILL of B`);
    for (const message of texts) {
      expect(await inbox(bobPage).getByText(message, { exact: true }).count()).toBe(1);
      expect(onBobWire(message)).toBe(1);
    }
    expect(await bobPage.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // In the order they were sent (the inbox lists newest first).
    const shown = (await inbox(bobPage).locator('li').allTextContents()).filter((text) => texts.some((t) => text.includes(t)));
    expect(shown.map((text) => texts.findIndex((t) => text.includes(t)))).toEqual([4, 3, 2, 1, 0]);
  });
});
