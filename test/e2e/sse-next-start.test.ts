/**
 * Issue 20, items 2 and 5: a deployment that runs only `next start` (no server.ts, no Socket.IO
 * server) plus Redis gets every event typed and replayed over tRPC server-sent events. The
 * production build under `next start`, a real Redis, a second process emitting (scripts/emit.ts,
 * the CLI a worker or cron uses), a tRPC mutation on the app itself, and a Node SSE client
 * (tRPC's `httpSubscriptionLink` with the fetch EventSource of test/helpers) that is dropped,
 * resumes with its last id, and whose responses end at SSE_MAX_DURATION_MS.
 */
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/trpc/root';
import { FetchEventSource } from '../helpers/event-source';
import { signIn, startAppServer, type AppServer, type Session } from '../helpers/app-server';
import { emitFromCli, startNextOnly, type NextStart } from '../helpers/next-start';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { until } from '../helpers/sse-server';

const notification = (id: string) => JSON.stringify({ id, from: 'cron', message: id, sentAt: 1 });

type Item = { id: string; data: { event: string; data: unknown } };

/** alice's typed subscription to `socket.events`, over SSE with her session cookie. */
function subscribe(url: string, session: Session) {
  const sources: FetchEventSource[] = [];
  class SessionSource extends FetchEventSource {
    constructor(target: string) {
      super(target, { headers: { cookie: session.cookie }, retryMs: 50 });
      sources.push(this);
    }
  }
  const client = createTRPCClient<AppRouter>({ links: [httpSubscriptionLink({ url: `${url}/api/trpc`, EventSource: SessionSource })] });
  const received: Item[] = [];
  const errors: Error[] = [];
  const subscription = client.socket.events.subscribe(
    {},
    {
      onData(item) {
        // Typed: `event` names one of the app's events (or gateway:sync), `data` its payload.
        if (item.data.event === 'notification') expect(typeof item.data.data.message).toBe('string');
        received.push(item as Item);
      },
      onError: (error) => void errors.push(error),
    },
  );
  return {
    received,
    errors,
    source: () => sources.at(-1)!,
    sources,
    messages: () => received.filter((item) => item.data.event === 'notification').map((item) => (item.data.data as { message: string }).message),
    syncs: () => received.filter((item) => item.data.event === 'gateway:sync').map((item) => item.data.data as { replayed: number; resync: boolean }),
    unsubscribe: () => subscription.unsubscribe(),
  };
}

describe('next start + Redis, no server.ts: events over tRPC SSE', () => {
  let redis: RedisServer;
  let app: NextStart;

  beforeAll(async () => {
    redis = await startRedisServer();
    app = await startNextOnly({ REDIS_URL: redis.url, SSE_MAX_DURATION_MS: '1500' });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('delivers emits from another process and from a mutation, replays what a dropped stream missed, and survives the duration end', async () => {
    const alice = await signIn(app.url, 'alice');
    const bob = await signIn(app.url, 'bob');
    const stream = subscribe(app.url, alice);
    await until(() => stream.syncs().length >= 1, 'the first gateway:sync', 30_000);

    await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification('cli-1')]);
    await emitFromCli(redis.url, ['notification', '--to-user', 'bob', '--data', notification('for-bob')]);
    const sent = await bob.mutate('notification.send', { toUserId: 'alice', message: 'from-bob' });
    expect(sent).toMatchObject({ ok: true });
    await until(() => stream.messages().length === 2, 'the first two', 20_000);
    expect(stream.messages()).toEqual(['cli-1', 'from-bob']);

    // A drop: nothing arrives while away; the resume brings exactly what was missed.
    stream.source().drop({ hold: true });
    for (const id of ['missed-1', 'missed-2', 'missed-3']) await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification(id)]);
    stream.source().release();
    await until(() => stream.messages().length === 5, 'the missed three', 20_000);
    expect(stream.source().requests.at(-1)!.lastEventId).toMatch(/:\d+-\d+$/);
    // The resume's gateway:sync follows its replayed events.
    await until(() => stream.syncs().some((sync) => sync.replayed === 3 && !sync.resync), 'the gateway:sync of the resume', 20_000);

    // Past SSE_MAX_DURATION_MS (1.5 s) the response ends; the client resumes and loses nothing.
    const requestsBefore = stream.sources.reduce((n, source) => n + source.requests.length, 0);
    for (const id of ['late-1', 'late-2', 'late-3', 'late-4']) {
      await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification(id)]);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await until(() => stream.messages().length === 9, 'the late four', 20_000);
    expect(stream.sources.reduce((n, source) => n + source.requests.length, 0)).toBeGreaterThan(requestsBefore);
    expect(stream.messages()).toEqual(['cli-1', 'from-bob', 'missed-1', 'missed-2', 'missed-3', 'late-1', 'late-2', 'late-3', 'late-4']);
    expect(stream.errors).toEqual([]);
    expect(app.output()).toContain('Realtime without a socket server');

    // An instance restart: the client (cut off first, so that nothing reaches it from the instance
    // that is stopping) comes back to a new instance, whose own reader replays from its last id.
    const syncsBefore = stream.syncs().length;
    stream.source().drop({ hold: true });
    await app.stop();
    for (const id of ['while-down-1', 'while-down-2']) await emitFromCli(redis.url, ['notification', '--to-user', 'alice', '--data', notification(id)]);
    app = await startNextOnly({ REDIS_URL: redis.url, SSE_MAX_DURATION_MS: '1500' }, app.port);
    stream.source().release();
    await until(() => stream.messages().length === 11, 'the events sent while the instance was down', 30_000);
    await until(() => stream.syncs().length > syncsBefore, 'the sync after the restart', 20_000);
    expect(stream.messages().slice(9)).toEqual(['while-down-1', 'while-down-2']);
    expect(stream.syncs().slice(syncsBefore)).toContainEqual(expect.objectContaining({ replayed: 2, resync: false }));

    // A sign-out (on this Next-only instance) ends the stream.
    await alice.signOut();
    await until(() => stream.errors.length === 1, 'the stream to end on sign-out', 20_000);
    expect(stream.errors[0]!.message).toMatch(/Unauthorized|Sign in first/);
    stream.unsubscribe();
  }, 120_000);
});

describe('server.ts, embedded (one node, no Redis): socket.events serves the same log', () => {
  let app: AppServer;
  beforeAll(async () => {
    app = await startAppServer();
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('delivers a mutation to the SSE subscriber and replays it after a drop', async () => {
    const alice = await signIn(app.url, 'alice');
    const bob = await signIn(app.url, 'bob');
    const stream = subscribe(app.url, alice);
    await until(() => stream.syncs().length >= 1, 'the first gateway:sync', 30_000);
    expect(await bob.mutate('notification.send', { toUserId: 'alice', message: 'embedded-1' })).toMatchObject({ ok: true });
    await until(() => stream.messages().length === 1, 'the first', 20_000);
    stream.source().drop({ hold: true });
    expect(await bob.mutate('notification.send', { toUserId: 'alice', message: 'embedded-2' })).toMatchObject({ ok: true });
    stream.source().release();
    await until(() => stream.messages().length === 2, 'the missed one', 20_000);
    await until(() => stream.syncs().some((sync) => sync.replayed === 1 && !sync.resync), 'the sync of the resume', 20_000);
    expect(stream.messages()).toEqual(['embedded-1', 'embedded-2']);
    stream.unsubscribe();
  }, 60_000);
});
