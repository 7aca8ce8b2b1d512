/**
 * The original design's four correctness properties, each checked with fast-check over
 * at least 100 generated cases.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SocketGateway } from 'socket-gateway';
import type { AppEvents } from '@/events';
import { authenticate, SOCKET_TOKEN_AUDIENCE, SOCKET_TOKEN_ISSUER } from 'socket-gateway/advanced';
import { mintSocketToken, socketTokenKey } from '../helpers/socket-token';
import { MAX_ROOM_NAME_LENGTH, isValidRoomName, userRoom } from 'socket-gateway/advanced';
import { createInbox, type Inbox } from '../helpers/inbox';
import { startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const RUNS = { numRuns: 100 };

/** A deadline for a condition (a room move), generous for a busy machine. */
const WAIT = { timeout: 10_000 };

/** User ids as real systems have them: unicode, colons, long. */
const userIdArb = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 512 }),
  fc
    .array(fc.oneof(fc.constant(':'), fc.string({ unit: 'grapheme', maxLength: 8 })), { minLength: 1, maxLength: 40 })
    .map((parts) => parts.join(''))
    .filter((id) => id.length > 0 && id.length <= 512),
  fc.uuid(),
);
const roomArb = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:.'), minLength: 1, maxLength: MAX_ROOM_NAME_LENGTH }).filter(isValidRoomName);
const payloadArb = fc.record({ id: fc.uuid(), from: fc.string(), message: fc.string({ minLength: 1 }), sentAt: fc.nat() });

describe('Property 1: a valid token for U authenticates as U and joins user:{U}', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startSocketServer({ register: false, maxConnectionsPerUser: 1000 });
  });
  afterAll(() => server.stop());

  it('authenticate returns { userId: U }', async () => {
    await fc.assert(
      fc.asyncProperty(userIdArb, async (userId) => {
        const { token } = await mintSocketToken(userId);
        expect(await authenticate({ token }, socketTokenKey())).toEqual({ userId });
      }),
      RUNS,
    );
  });

  it('a real client connecting with that token is in room user:{U}', async () => {
    await fc.assert(
      fc.asyncProperty(userIdArb, async (userId) => {
        const client = await server.connectAs(userId);
        const members = server.io.of('/').adapter.rooms.get(userRoom(userId));
        expect(members?.has(client.id ?? '')).toBe(true);
        expect(server.io.of('/').sockets.get(client.id ?? '')?.data.userId).toBe(userId);
        client.disconnect();
      }),
      RUNS,
    );
  });
});

describe('Property 2: anything but a valid token is refused', () => {
  const key = socketTokenKey();
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('random strings and random auth values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 5000 })), async (token) => {
        expect(await authenticate({ token }, socketTokenKey())).toBeNull();
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (auth) => {
        expect(await authenticate(auth, socketTokenKey())).toBeNull();
      }),
      RUNS,
    );
  });

  it('malformed tokens: three dot-separated parts of junk, or a real header and payload with a junk signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.base64String(), async (header, payload, signature) => {
        expect(await authenticate({ token: `${b64(header)}.${b64(payload)}.${signature}` }, socketTokenKey())).toBeNull();
      }),
      RUNS,
    );
  });

  it('expired tokens for any user', async () => {
    await fc.assert(
      fc.asyncProperty(userIdArb, fc.integer({ min: 1, max: 10_000_000 }), async (userId, ageSeconds) => {
        const exp = Math.floor(Date.now() / 1000) - ageSeconds;
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(userId)
          .setAudience(SOCKET_TOKEN_AUDIENCE)
          .setIssuer(SOCKET_TOKEN_ISSUER)
          .setIssuedAt(exp - 300)
          .setExpirationTime(exp)
          .sign(key);
        expect(await authenticate({ token }, socketTokenKey())).toBeNull();
      }),
      RUNS,
    );
  });
});

describe('Properties 3 and 4, through a real server and real clients', () => {
  // The memory stores and event log behind a real Socket.IO server; what is asserted is what the
  // clients receive and which sockets are in which room. "Nothing else arrived" is shown with a
  // marker sent afterwards (test/helpers/inbox.ts), never by sleeping.
  let server: TestServer;
  let gateway: SocketGateway<AppEvents>;
  /** Two tabs of one user and a bystander: the sockets the room operations move. */
  let tabA: { client: TestClient; inbox: Inbox };
  let tabB: { client: TestClient; inbox: Inbox };
  let bystander: { client: TestClient; inbox: Inbox };
  const tab = async (userId: string) => {
    const client = await server.connectAs(userId);
    return { client, inbox: createInbox(client) };
  };
  beforeAll(async () => {
    server = await startSocketServer({ register: false, maxConnectionsPerUser: 1000 });
    // Routing only: the generated payloads need not pass the demo's schemas.
    gateway = new SocketGateway<AppEvents>(() => ({ ...server, validatePayloads: false }));
    tabA = await tab('prop-owner');
    tabB = await tab('prop-owner');
    bystander = await tab('prop-bystander');
  });
  afterAll(() => server.stop());
  const membersOf = (room: string) => [...(server.io.of('/').adapter.rooms.get(room) ?? [])].sort();
  // A client that does not opt into replay receives exactly the payload, one argument.
  const received = (event: string, data: unknown) => ({ event, args: [data] });

  it('Property 3: emitToUser(U, event, data) reaches user:{U} with that event and data, and no one else', async () => {
    await fc.assert(
      fc.asyncProperty(
        userIdArb.filter((id) => id !== 'prop-bystander' && id !== 'prop-owner'),
        fc.constantFrom('notification' as const, 'announcement' as const),
        payloadArb,
        async (userId, event, data) => {
          const user = await tab(userId);
          try {
            await gateway.emitToUser(userId, event, data);
            expect(await user.inbox.drain(gateway, userId)).toEqual([received(event, data)]);
            expect(await bystander.inbox.drain(gateway, 'prop-bystander')).toEqual([]);
          } finally {
            user.client.disconnect();
          }
        },
      ),
      RUNS,
    );
  });

  it('Property 4: joinRoom(S, R) and leaveRoom(S, R) move exactly socket S; emitToRoom(R, …) reaches only R', async () => {
    await fc.assert(
      fc.asyncProperty(roomArb, payloadArb, async (room, data) => {
        const message = { ...data, room };
        gateway.joinRoom(tabA.client.id!, room);
        await vi.waitFor(() => expect(membersOf(room)).toEqual([tabA.client.id]), WAIT);
        await gateway.emitToRoom(room, 'room:message', message);
        expect(await tabA.inbox.drain(gateway, 'prop-owner')).toEqual([received('room:message', message)]);
        expect(await tabB.inbox.drain(gateway, 'prop-owner')).toEqual([]); // the same user's other tab was not moved
        expect(await bystander.inbox.drain(gateway, 'prop-bystander')).toEqual([]);
        gateway.leaveRoom(tabA.client.id!, room);
        await vi.waitFor(() => expect(membersOf(room)).toEqual([]), WAIT);
        await gateway.emitToRoom(room, 'room:message', message);
        expect(await tabA.inbox.drain(gateway, 'prop-owner')).toEqual([]);
      }),
      RUNS,
    );
  });

  it('invalid or reserved room names throw and change no room', async () => {
    const badRoomArb = fc.oneof(
      fc.string({ maxLength: 100 }).filter((room) => !isValidRoomName(room)),
      userIdArb.map((id) => `user:${id}`),
    );
    const socketRooms = () => [...(server.io.of('/').sockets.get(tabA.client.id!)?.rooms ?? [])].sort();
    const before = socketRooms();
    await fc.assert(
      fc.asyncProperty(badRoomArb, async (room) => {
        expect(() => gateway.joinRoom(tabA.client.id!, room)).toThrow(TypeError);
        expect(() => gateway.leaveRoom(tabA.client.id!, room)).toThrow(TypeError);
        expect(() => gateway.emitToRoom(room, 'room:message', { id: '1', from: 'x', message: 'x', sentAt: 0, room })).toThrow(TypeError);
        expect(socketRooms()).toEqual(before);
      }),
      RUNS,
    );
    expect(await tabA.inbox.drain(gateway, 'prop-owner')).toEqual([]);
  });
});
