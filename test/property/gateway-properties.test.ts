/**
 * The original design's four correctness properties, each checked with fast-check over
 * at least 100 generated cases.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketGateway } from '@/socket-gateway';
import { authenticate, socketTokenKey, mintSocketToken, SOCKET_TOKEN_AUDIENCE, SOCKET_TOKEN_ISSUER } from '@/socket-gateway';
import { MAX_ROOM_NAME_LENGTH, isValidRoomName, userRoom } from '@/socket-gateway/rooms';
import { createRecordingIo, recordingParts } from '../helpers/recording-io';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

const RUNS = { numRuns: 100 };

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
const socketIdArb = fc.string({ minLength: 1, maxLength: 40 });
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
        expect(await authenticate({ token })).toEqual({ userId });
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
        expect(await authenticate({ token })).toBeNull();
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (auth) => {
        expect(await authenticate(auth)).toBeNull();
      }),
      RUNS,
    );
  });

  it('malformed tokens: three dot-separated parts of junk, or a real header and payload with a junk signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.base64String(), async (header, payload, signature) => {
        expect(await authenticate({ token: `${b64(header)}.${b64(payload)}.${signature}` })).toBeNull();
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
        expect(await authenticate({ token })).toBeNull();
      }),
      RUNS,
    );
  });
});

describe('Property 3: emitToUser(U, event, data) emits to user:{U} with that event and data', () => {
  it('for any user id and payload', () => {
    fc.assert(
      fc.property(userIdArb, fc.constantFrom('notification', 'announcement'), payloadArb, (userId, event, data) => {
        const { io, calls } = createRecordingIo();
        new SocketGateway(() => recordingParts(io)).emitToUser(userId, event, data);
        expect(calls).toEqual([{ op: 'emit', room: `user:${userId}`, event, args: [data] }]);
      }),
      RUNS,
    );
  });
});

describe('Property 4: room operations pass their parameters through', () => {
  it('joinRoom(S, R), leaveRoom(S, R) and emitToRoom(R, …)', () => {
    fc.assert(
      fc.property(socketIdArb, roomArb, payloadArb, (socketId, room, data) => {
        const { io, calls } = createRecordingIo();
        const gateway = new SocketGateway(() => recordingParts(io));
        gateway.joinRoom(socketId, room);
        gateway.leaveRoom(socketId, room);
        gateway.emitToRoom(room, 'room:message', { ...data, room });
        expect(calls).toEqual([
          { op: 'socketsJoin', target: socketId, room },
          { op: 'socketsLeave', target: socketId, room },
          { op: 'emit', room, event: 'room:message', args: [{ ...data, room }] },
        ]);
      }),
      RUNS,
    );
  });

  it('invalid or reserved room names throw and call nothing', () => {
    const badRoomArb = fc.oneof(
      fc.string({ maxLength: 100 }).filter((room) => !isValidRoomName(room)),
      userIdArb.map((id) => `user:${id}`),
    );
    fc.assert(
      fc.property(socketIdArb, badRoomArb, (socketId, room) => {
        const { io, calls } = createRecordingIo();
        const gateway = new SocketGateway(() => recordingParts(io));
        expect(() => gateway.joinRoom(socketId, room)).toThrow(TypeError);
        expect(() => gateway.leaveRoom(socketId, room)).toThrow(TypeError);
        expect(calls).toEqual([]);
      }),
      RUNS,
    );
  });
});
