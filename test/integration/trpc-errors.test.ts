/**
 * The tRPC contract's errors, one test each, through the real appRouter (createCaller with a
 * hand-built `{ session }` context) against a real socket server with real connected
 * clients. Every failing call throws the contract's code with a clear message AND emits
 * nothing: no client receives anything and the server writes no packet. Plus one happy path
 * per procedure.
 */
import { isMarkerRoom } from '@/socket-gateway/delivery/replay-opt-in';
import { TRPCError } from '@trpc/server';
import type { Session } from 'next-auth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '@/server/demo-users';
import { createCaller } from '@/server/trpc/root';
import { getEnv, resetEnv } from '@/env';
const MAX_ROOMS_PER_USER = getEnv().maxRoomsPerUser;
import { authenticate, canJoinRoom } from 'socket-gateway/advanced';
import { socketTokenKey } from '../helpers/socket-token';
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_LENGTH, APP_EVENT_NAMES, utf8Length } from '@/events';
import { nextEvent, settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

/** Every event a client can get here: the demo's and the gateway's own that reach plain clients. */
const LISTENED = [...APP_EVENT_NAMES, 'presence:changed', 'membership:changed'] as const;

// The server's room policy (an option): canJoin keeps the default behaviour; the spy lets one test make it refuse.
const canJoin = vi.fn(canJoinRoom);

let server: TestServer;
let clients: Record<'alice' | 'bob' | 'carol' | 'admin', TestClient>;
/** Everything every client received since the last reset, as `user:event`. */
let received: string[] = [];
/** Socket.IO packets the server wrote since the last reset (Engine.IO "message" packets). */
let packetsOut = 0;

function session(id: string, role: Role = 'user'): Session {
  return { user: { id, name: id, role }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() };
}
const as = (id: string, role: Role = 'user') => createCaller({ session: session(id, role) });
const anonymous = createCaller({ session: null });

beforeAll(async () => {
  // These tests open far more rooms than ROOMS_CREATED_PER_HOUR allows (room-quota.test.ts tests that bound).
  process.env.ROOMS_CREATED_PER_HOUR = '1000000';
  resetEnv();
  server = await startSocketServer({ rooms: { canJoin } });
  server.io.engine.on('connection', (conn: { on(event: 'packetCreate', listener: (packet: { type: string }) => void): void }) => {
    conn.on('packetCreate', (packet) => {
      if (packet.type === 'message') packetsOut += 1;
    });
  });
  const [alice, bob, carol, admin] = await Promise.all(['alice', 'bob', 'carol', 'admin'].map((id) => server.connectAs(id)));
  clients = { alice: alice!, bob: bob!, carol: carol!, admin: admin! };
  for (const [user, client] of Object.entries(clients)) {
    for (const event of LISTENED) client.on(event, (() => received.push(`${user}:${event}`)) as never);
  }
});
afterAll(async () => {
  await server.stop();
  delete process.env.ROOMS_CREATED_PER_HOUR;
  resetEnv();
});

beforeEach(async () => {
  await settle(50);
  received = [];
  packetsOut = 0;
});

afterEach(async () => {
  for (const id of ['alice', 'bob', 'carol', 'admin']) {
    for (const room of await server.stores.membership.roomsOf(id)) {
      await server.stores.membership.leave(id, room);
      server.io.in(`user:${id}`).socketsLeave(room);
    }
  }
});

/** Runs `call`, expects a TRPCError with `code` whose message contains `messagePart`, and that nothing went out. */
async function expectRefusedSilently(call: () => Promise<unknown>, code: TRPCError['code'], messagePart: string | RegExp) {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  if (typeof messagePart === 'string') expect((error as TRPCError).message).toContain(messagePart);
  else expect((error as TRPCError).message).toMatch(messagePart);
  await settle(150);
  expect(received).toEqual([]);
  expect(packetsOut).toBe(0);
}

/**
 * Waits until exactly `expected` (in any order) went out since the last reset, then resets: a
 * join or leave tells the user's tabs with `membership:changed`, delivered after the call returns.
 */
async function drain(expected: string[]) {
  await vi.waitFor(() => expect([...received].sort()).toEqual([...expected].sort()));
  received = [];
  packetsOut = 0;
}

async function roomsOfSockets(userId: string): Promise<string[][]> {
  const sockets = await server.io.in(`user:${userId}`).fetchSockets();
  return sockets.map((socket) => [...socket.rooms].filter((room) => room !== socket.id && room !== `user:${userId}` && !isMarkerRoom(room)).sort());
}

describe('UNAUTHORIZED: not signed in', () => {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['socket.token', () => anonymous.socket.token()],
    ['notification.send', () => anonymous.notification.send({ toUserId: 'bob', message: 'hi' })],
    ['room.join', () => anonymous.room.join({ room: 'lobby' })],
    ['room.leave', () => anonymous.room.leave({ room: 'lobby' })],
    ['room.mine', () => anonymous.room.mine()],
    ['room.post', () => anonymous.room.post({ room: 'lobby', message: 'hi' })],
    ['room.history', () => anonymous.room.history({ room: 'lobby' })],
    ['announcement.broadcast', () => anonymous.announcement.broadcast({ message: 'hi' })],
  ];
  it.each(calls)('%s', async (_name, call) => {
    await expectRefusedSilently(call, 'UNAUTHORIZED', 'Sign in first');
  });

  it('a session without a user id counts as not signed in', async () => {
    const broken = createCaller({ session: session('') });
    await expectRefusedSilently(() => broken.notification.send({ toUserId: 'bob', message: 'hi' }), 'UNAUTHORIZED', 'Sign in first');
  });
});

describe('FORBIDDEN: wrong role', () => {
  it('announcement.broadcast by a non-admin', async () => {
    await expectRefusedSilently(() => as('alice').announcement.broadcast({ message: 'hello all' }), 'FORBIDDEN', 'Admins only');
  });

  it("room.join when the policy's canJoin(user, room) refuses: the one place room authorization lives", async () => {
    canJoin.mockReturnValueOnce(false);
    await expectRefusedSilently(() => as('alice').room.join({ room: 'staff' }), 'FORBIDDEN', 'You may not join staff');
    expect(canJoin).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'alice', role: 'user' }), 'staff');
    expect(await server.stores.membership.roomsOf('alice')).toEqual([]);
    expect(await roomsOfSockets('alice')).toEqual([[]]);
  });

  it('room.post by someone who is not a member of the room (canPostToRoom)', async () => {
    await as('bob').room.join({ room: 'lobby' });
    await drain(['bob:membership:changed']);
    await expectRefusedSilently(() => as('alice').room.post({ room: 'lobby', message: 'let me in' }), 'FORBIDDEN', 'Join lobby before posting to it');
    await as('alice').room.join({ room: 'lobby' });
    await as('alice').room.leave({ room: 'lobby' });
    await drain(['alice:membership:changed', 'alice:membership:changed']);
    await expectRefusedSilently(() => as('alice').room.post({ room: 'lobby', message: 'after leaving' }), 'FORBIDDEN', 'Join lobby before posting to it');
  });
});

describe('BAD_REQUEST: messages', () => {
  it('empty message', async () => {
    await expectRefusedSilently(() => as('alice').notification.send({ toUserId: 'bob', message: '' }), 'BAD_REQUEST', 'Message must not be empty');
  });

  it('whitespace-only message', async () => {
    await expectRefusedSilently(() => as('alice').notification.send({ toUserId: 'bob', message: ' \n\t  ' }), 'BAD_REQUEST', 'Message must not be empty');
  });

  it(`oversized message (${MAX_MESSAGE_LENGTH + 1} characters)`, async () => {
    await expectRefusedSilently(
      () => as('alice').notification.send({ toUserId: 'bob', message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }),
      'BAD_REQUEST',
      `Message must be at most ${MAX_MESSAGE_LENGTH} characters`,
    );
  });

  it(`over ${MAX_MESSAGE_BYTES} bytes in UTF-8, though under ${MAX_MESSAGE_LENGTH} characters (F6: storage is judged in bytes)`, async () => {
    const euros = '€'.repeat(1_400); // 1,400 UTF-16 units, 4,200 bytes
    await expectRefusedSilently(
      () => as('alice').notification.send({ toUserId: 'bob', message: euros }),
      'BAD_REQUEST',
      `Message must be at most ${MAX_MESSAGE_BYTES} bytes in UTF-8`,
    );
    await as('alice').room.join({ room: 'lobby' });
    await drain(['alice:membership:changed']);
    await expectRefusedSilently(() => as('alice').room.post({ room: 'lobby', message: euros }), 'BAD_REQUEST', `at most ${MAX_MESSAGE_BYTES} bytes`);
    expect((await as('alice').room.history({ room: 'lobby' })).messages).toEqual([]);
  });

  it('control characters and unpaired surrogates (each a 6-byte JSON escape: 2,000 of U+0001 were 12,002 bytes kept)', async () => {
    const problem = 'Message must not contain control characters (other than tab and line breaks) or unpaired surrogates';
    await expectRefusedSilently(() => as('alice').notification.send({ toUserId: 'bob', message: '\u0001'.repeat(MAX_MESSAGE_LENGTH) }), 'BAD_REQUEST', problem);
    await as('alice').room.join({ room: 'lobby' });
    await drain(['alice:membership:changed']);
    for (const message of ['hi\u0000', 'a\u001bb', 'bell\u0007', 'del\u007f', 'c1\u0085', 'lone \ud800 high', 'lone \udc00 low']) {
      await expectRefusedSilently(() => as('alice').room.post({ room: 'lobby', message }), 'BAD_REQUEST', problem);
    }
    expect((await as('alice').room.history({ room: 'lobby' })).messages).toEqual([]);
    // Text with tabs, line breaks and emoji (paired surrogates) is fine, at the byte bound exactly.
    const fine = `line one\n\tline two 😀\r\n${'€'.repeat(1_320)}`;
    expect(utf8Length(fine)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    await expect(as('alice').room.post({ room: 'lobby', message: fine })).resolves.toMatchObject({ message: fine });
  });

  it('oversized room message and announcement', async () => {
    await expectRefusedSilently(() => as('alice').room.post({ room: 'lobby', message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }), 'BAD_REQUEST', 'at most');
    await expectRefusedSilently(() => as('admin', 'admin').announcement.broadcast({ message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }), 'BAD_REQUEST', 'at most');
    await expectRefusedSilently(() => as('admin', 'admin').announcement.broadcast({ message: '   ' }), 'BAD_REQUEST', 'Message must not be empty');
  });

  it('empty recipient', async () => {
    await expectRefusedSilently(() => as('alice').notification.send({ toUserId: '', message: 'hi' }), 'BAD_REQUEST', 'toUserId');
  });
});

describe('BAD_REQUEST: room names', () => {
  const invalid = ['', 'has space', 'x'.repeat(65), '../etc', 'caf\u00e9', 'a/b', 'lobby\n', '<script>'];
  it.each(invalid)('invalid room name %j (join, post, leave)', async (room) => {
    await expectRefusedSilently(() => as('alice').room.join({ room }), 'BAD_REQUEST', 'Room name must be 1-64 characters');
    await expectRefusedSilently(() => as('alice').room.post({ room, message: 'hi' }), 'BAD_REQUEST', 'Room name must be 1-64 characters');
    await expectRefusedSilently(() => as('alice').room.leave({ room }), 'BAD_REQUEST', 'Room name must be 1-64 characters');
    await expectRefusedSilently(() => as('alice').room.history({ room }), 'BAD_REQUEST', 'Room name must be 1-64 characters');
    expect(await server.stores.membership.roomsOf('alice')).toEqual([]);
  });

  it('reserved user: room (join someone else’s personal room, post into it)', async () => {
    await expectRefusedSilently(() => as('alice').room.join({ room: 'user:bob' }), 'BAD_REQUEST', /Room names starting with \\?"user:\\?" are reserved/);
    await expectRefusedSilently(() => as('alice').room.post({ room: 'user:bob', message: 'spoof' }), 'BAD_REQUEST', 'reserved');
    await expectRefusedSilently(() => as('alice').room.leave({ room: 'user:alice' }), 'BAD_REQUEST', 'reserved');
    expect(await roomsOfSockets('alice')).toEqual([[]]);
    expect(server.io.of('/').adapter.rooms.get('user:bob')?.size).toBe(1); // still only bob's own socket
  });

  it(`more than ${MAX_ROOMS_PER_USER} rooms`, async () => {
    const alice = as('alice');
    for (let i = 0; i < MAX_ROOMS_PER_USER; i += 1) await alice.room.join({ room: `r${i}` });
    await drain(Array<string>(MAX_ROOMS_PER_USER).fill('alice:membership:changed'));
    await expectRefusedSilently(() => alice.room.join({ room: 'one-more' }), 'BAD_REQUEST', `at most ${MAX_ROOMS_PER_USER} rooms`);
    expect(await server.stores.membership.roomsOf('alice')).not.toContain('one-more');
  });

  it(`a burst of 200 concurrent joins stores at most ${MAX_ROOMS_PER_USER} rooms (the cap is atomic)`, async () => {
    const alice = as('alice');
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => alice.room.join({ room: `burst-${i}` })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.length - refused.length).toBe(MAX_ROOMS_PER_USER);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await server.stores.membership.roomsOf('alice')).toHaveLength(MAX_ROOMS_PER_USER);
    expect(server.io.of('/').adapter.rooms.get('burst-199') === undefined || (await alice.room.mine()).rooms.includes('burst-199')).toBe(true);
    await drain(Array<string>(MAX_ROOMS_PER_USER).fill('alice:membership:changed')); // one per room stored, none for a refusal
  });
});

describe('BAD_REQUEST: input shapes', () => {
  it('unknown extra keys', async () => {
    const alice = as('alice');
    await expectRefusedSilently(() => alice.notification.send({ toUserId: 'bob', message: 'hi', from: 'admin' } as never), 'BAD_REQUEST', 'from');
    await expectRefusedSilently(() => alice.room.join({ room: 'lobby', userId: 'bob' } as never), 'BAD_REQUEST', 'userId');
    await expectRefusedSilently(() => alice.room.post({ room: 'lobby', message: 'hi', id: 'forged' } as never), 'BAD_REQUEST', 'id');
    await expectRefusedSilently(() => as('admin', 'admin').announcement.broadcast({ message: 'hi', sentAt: 0 } as never), 'BAD_REQUEST', 'sentAt');
  });

  it('wrong types', async () => {
    const alice = as('alice');
    await expectRefusedSilently(() => alice.notification.send({ toUserId: 'bob', message: 42 } as never), 'BAD_REQUEST', 'expected string');
    await expectRefusedSilently(() => alice.notification.send({ toUserId: ['bob', 'carol'], message: 'hi' } as never), 'BAD_REQUEST', 'expected string');
    await expectRefusedSilently(() => alice.room.join({ room: { $ne: '' } } as never), 'BAD_REQUEST', 'expected string');
    await expectRefusedSilently(() => alice.room.post({ room: 'lobby', message: null } as never), 'BAD_REQUEST', 'expected string');
  });

  it('no input, or not an object', async () => {
    const alice = as('alice');
    await expectRefusedSilently(() => alice.notification.send(undefined as never), 'BAD_REQUEST', 'expected object');
    await expectRefusedSilently(() => alice.room.join('lobby' as never), 'BAD_REQUEST', 'expected object');
    await expectRefusedSilently(() => alice.room.post([] as never), 'BAD_REQUEST', 'expected object');
  });
});

describe('happy paths', () => {
  it('socket.token mints a token for the caller', async () => {
    const { token, expiresAt } = await as('carol').socket.token();
    expect(await authenticate({ token }, socketTokenKey())).toEqual({ userId: 'carol' });
    expect(expiresAt).toBeGreaterThan(Date.now());
  });

  it('notification.send reaches the recipient only', async () => {
    const bobGot = nextEvent(clients.bob, 'notification');
    const sent = await as('alice').notification.send({ toUserId: 'bob', message: '  hello bob  ' });
    expect(sent).toMatchObject({ from: 'alice', message: 'hello bob' });
    expect(await bobGot).toEqual(sent);
    await settle(150);
    expect(received).toEqual(['bob:notification']);
    expect(packetsOut).toBe(1); // the silence checks' packet counter does count emits
  });

  it('room.join / mine / post / leave, including a socket opened after the join', async () => {
    const alice = as('alice');
    expect(await alice.room.join({ room: 'lobby' })).toEqual({ room: 'lobby', count: 1 });
    expect(await alice.room.join({ room: 'a-team' })).toEqual({ room: 'a-team', count: 2 });
    expect(await alice.room.join({ room: 'lobby' })).toEqual({ room: 'lobby', count: 2 }); // idempotent
    expect(await alice.room.mine()).toEqual({ rooms: ['a-team', 'lobby'] });
    expect(await as('bob').room.mine()).toEqual({ rooms: [] });
    await as('carol').room.join({ room: 'lobby' });
    // One membership:changed per real change: the repeated join of lobby told nobody.
    await drain(['alice:membership:changed', 'alice:membership:changed', 'carol:membership:changed']);

    const laterTab = await server.connectAs('alice');
    const got = Promise.all([nextEvent(clients.alice, 'room:message'), nextEvent(laterTab, 'room:message'), nextEvent(clients.carol, 'room:message')]);
    const posted = await as('carol').room.post({ room: 'lobby', message: 'hi lobby' });
    expect(posted).toMatchObject({ from: 'carol', room: 'lobby', message: 'hi lobby' });
    expect(await got).toEqual([posted, posted, posted]);
    await settle(150);
    expect(received.sort()).toEqual(['alice:room:message', 'carol:room:message']); // laterTab is not in `clients`; nobody else got it
    received = [];

    expect(await alice.room.leave({ room: 'lobby' })).toEqual({ room: 'lobby', count: 1 });
    await drain(['alice:membership:changed']);
    const laterTabSaw: unknown[] = [];
    laterTab.on('room:message', (m) => laterTabSaw.push(m));
    await as('carol').room.post({ room: 'lobby', message: 'after leave' });
    await settle(150);
    expect(received).toEqual(['carol:room:message']); // the poster is still a member; alice is not
    expect(laterTabSaw).toEqual([]);
    laterTab.disconnect();
  });

  it('announcement.broadcast by an admin reaches everyone', async () => {
    const all = Promise.all(Object.values(clients).map((client) => nextEvent(client, 'announcement')));
    const sent = await as('admin', 'admin').announcement.broadcast({ message: 'all hands' });
    expect(await all).toEqual(Array(4).fill(sent));
  });
});

// The event-name list used by the silence checks covers every event of the contract.
it('listens for every server event', () => {
  const contract: Record<(typeof LISTENED)[number], true> = {
    notification: true,
    'room:message': true,
    announcement: true,
    'presence:changed': true,
    'membership:changed': true,
  };
  expect([...LISTENED].sort()).toEqual(Object.keys(contract).sort());
  expect(APP_EVENT_NAMES.every((name) => LISTENED.includes(name))).toBe(true);
});
