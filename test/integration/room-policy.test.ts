/**
 * The app's events and room policy are options (issue 19 items 2, 4), through real parts: a
 * Socket.IO server on port 0 with the memory stores, real socket.io-client connections.
 * - `rooms.personalRoom`: a socket is put in the app's personal room when it connects, emits to
 *   the user and sign-out reach it there.
 * - `rooms.canJoin/canPost/canRead`: asked with the app's own user type, possibly asynchronously.
 * - `events`: a map using a reserved name is refused before anything listens; an emit whose
 *   schema answers asynchronously is refused without being stored.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createSocketServer, type StandardSchemaV1 } from 'socket-gateway/advanced';
import { RoomAccessError, SocketGateway } from 'socket-gateway';
import { nextDisconnect, nextEvent, startSocketServer, type TestServer } from '../helpers/socket-server';

/** The app's user: the policy reads its team. */
interface TeamUser {
  id: string;
  team: string;
}

/** A schema that answers asynchronously (a lookup), refusing payloads whose `ref` is "bad". */
const checkedLater: StandardSchemaV1<{ ref: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const ref = (value as { ref?: unknown } | null)?.ref;
      return ref === 'bad' ? { issues: [{ message: 'unknown ref', path: ['ref'] }] } : { value: value as { ref: string } };
    },
  },
};

const events = {
  'chat:message': z.strictObject({ room: z.string(), text: z.string() }),
  'job:done': checkedLater,
};

let server: TestServer;
let gateway: SocketGateway<typeof events, TeamUser>;
const canRead = vi.fn(async (user: TeamUser, room: string, isMember: boolean) => isMember && room.startsWith(`${user.team}-`));
beforeAll(async () => {
  server = await startSocketServer({
    register: false,
    events,
    rooms: {
      personalRoom: (userId) => `user:acme:${userId}`,
      // Asynchronous, as a lookup in the app's database would be.
      canJoin: async (user: TeamUser, room) => room.startsWith(`${user.team}-`),
      canPost: (user: TeamUser, room, isMember) => isMember && user.team !== 'readonly',
      canRead,
    },
  });
  gateway = new SocketGateway<typeof events, TeamUser>(() => server);
});
afterAll(() => server.stop());

describe('rooms.personalRoom', () => {
  it("puts a new socket in the app's personal room; emits to the user and disconnects go there", async () => {
    const bob = await server.connectAs('bob');
    await vi.waitFor(() => expect([...(server.io.of('/').adapter.rooms.get('user:acme:bob') ?? [])]).toEqual([bob.id]), { timeout: 10_000 });
    expect(server.io.of('/').adapter.rooms.has('user:bob')).toBe(false);
    const got = nextEvent(bob, 'job:done' as never) as Promise<unknown>;
    await gateway.emitToUser('bob', 'job:done', { ref: 'r1' });
    expect(await got).toEqual({ ref: 'r1' });
    const closed = nextDisconnect(bob);
    gateway.disconnectUser('bob');
    expect(await closed).toBe('io server disconnect');
  });

  it('enterRoom moves the sockets found through the personal room', async () => {
    const carol = await server.connectAs('carol');
    await gateway.enterRoom({ id: 'carol', team: 'red' }, 'red-lobby');
    await vi.waitFor(() => expect([...(server.io.of('/').adapter.rooms.get('red-lobby') ?? [])]).toEqual([carol.id]), { timeout: 10_000 });
    carol.disconnect();
  });
});

describe('rooms.canJoin / canPost / canRead with the app user', () => {
  it('asks the policy with the user the app passes, and refuses with a RoomAccessError that changes nothing', async () => {
    await expect(gateway.enterRoom({ id: 'dave', team: 'blue' }, 'red-ops')).rejects.toEqual(new RoomAccessError('FORBIDDEN', 'You may not join red-ops'));
    expect(await gateway.roomsOf('dave')).toEqual([]);
    await gateway.enterRoom({ id: 'dave', team: 'red' }, 'red-ops');
    expect(await gateway.roomsOf('dave')).toEqual(['red-ops']);

    await gateway.enterRoom({ id: 'erin', team: 'readonly' }, 'readonly-news');
    await expect(gateway.postToRoom({ id: 'erin', team: 'readonly' }, 'readonly-news', 'chat:message', { room: 'readonly-news', text: 'hi' })).rejects.toThrow(
      'Join readonly-news before posting to it',
    );

    await gateway.postToRoom({ id: 'dave', team: 'red' }, 'red-ops', 'chat:message', { room: 'red-ops', text: 'kept' }, { history: true });
    const history = await gateway.roomHistory({ id: 'dave', team: 'red' }, 'red-ops');
    expect(history.entries.map((entry) => entry.data)).toEqual([{ room: 'red-ops', text: 'kept' }]);
    expect(canRead).toHaveBeenLastCalledWith({ id: 'dave', team: 'red' }, 'red-ops', true);
    await expect(gateway.roomHistory({ id: 'frank', team: 'red' }, 'red-ops')).rejects.toThrow('Join red-ops to read its messages');
  });
});

describe('events', () => {
  it('an emit refused by a schema that answers asynchronously rejects, and nothing is stored', async () => {
    const head = await server.log.head();
    await expect(gateway.emitToUser('bob', 'job:done', { ref: 'bad' })).rejects.toThrow(
      new TypeError('Payload of "job:done" does not match its schema: ref: unknown ref'),
    );
    expect(await server.log.head()).toBe(head);
    await gateway.emitToUser('bob', 'job:done', { ref: 'good' });
    expect(await server.log.head()).not.toBe(head); // the check above could see an append
  });

  it('a map that uses a library event name is refused before the server listens', () => {
    const httpServer = createServer();
    expect(() =>
      createSocketServer(httpServer, { secret: 'a-secret-of-at-least-thirty-two-characters', events: { 'presence:changed': z.object({}) } }),
    ).toThrow(/Event name "presence:changed" is reserved by socket-gateway/);
    expect(httpServer.listening).toBe(false);
  });
});
