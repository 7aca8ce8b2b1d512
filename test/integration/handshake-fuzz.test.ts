/**
 * Fuzzing the handshake of a real server (port 0) with real socket.io-client connections:
 * every hostile `auth` is refused — with `Unauthorized` whenever the CONNECT packet fits the
 * size cap, by the cap otherwise — no socket is ever accepted, and afterwards a valid client
 * still connects and receives an `emitToUser` event.
 */
import fc from 'fast-check';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateway } from '@/server/gateway';
import { connectRaw, openRaw } from '../helpers/raw-client';
import { hostileAuthObjectArb } from '../helpers/hostile-auth';
import { nextEvent, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

let server: TestServer;
let accepted = 0;

beforeAll(async () => {
  server = await startSocketServer();
  server.io.on('connection', () => {
    accepted += 1;
  });
});
afterAll(() => server.stop());

type Outcome = { refused: 'connect_error'; message: string } | { refused: 'disconnect'; message: string } | { refused: false };

/** Connects once with `auth`; reports how the server answered. */
function attempt(auth: Record<string, unknown>, transport: 'websocket' | 'polling'): Promise<Outcome> {
  return new Promise((resolve) => {
    const client: TestClient = connect(server.url, { auth, transports: [transport], reconnection: false, forceNew: true, timeout: 5000 });
    const finish = (outcome: Outcome) => {
      client.removeAllListeners();
      client.disconnect();
      resolve(outcome);
    };
    client.once('connect', () => finish({ refused: false }));
    client.once('connect_error', (error) => finish({ refused: 'connect_error', message: error.message }));
    client.once('disconnect', (reason) => finish({ refused: 'disconnect', message: reason }));
  });
}

async function expectValidClientReceives(label: string): Promise<void> {
  const before = accepted;
  const alice = await server.connectAs('alice');
  expect(accepted).toBe(before + 1);
  const received = nextEvent(alice, 'notification');
  await gateway.emitToUser('alice', 'notification', { id: label, from: 'server', message: label, sentAt: Date.now() });
  expect((await received).message).toBe(label);
  alice.disconnect();
}

describe('handshake fuzzing against a real server', () => {
  it('refuses every hostile auth object over websocket and polling (300 runs), then still serves a valid client', async () => {
    const cap = server.limits.maxPayloadBytes;
    const acceptedBefore = accepted;
    await fc.assert(
      fc.asyncProperty(hostileAuthObjectArb, fc.constantFrom('websocket' as const, 'polling' as const), async (auth, transport) => {
        const outcome = await attempt(auth, transport);
        expect(outcome.refused).not.toBe(false);
        const packetBytes = Buffer.byteLength(`40${JSON.stringify(auth)}`);
        if (packetBytes < cap - 64) {
          expect(outcome).toEqual({ refused: 'connect_error', message: 'Unauthorized' });
        }
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBe(acceptedBefore);
    expect(server.io.of('/').sockets.size).toBe(0);
    await expectValidClientReceives('after auth-object fuzzing');
  });

  it('refuses CONNECT packets whose auth is not an object, or not JSON at all (100 runs, raw websocket)', async () => {
    const notAnObject = fc.oneof(
      fc
        .jsonValue()
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
        .map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const acceptedBefore = accepted;
    await fc.assert(
      fc.asyncProperty(notAnObject, async (payload) => {
        const raw = await openRaw(server.url);
        try {
          await raw.waitFor((frame) => frame.startsWith('0{'));
          raw.send(`40${payload}`);
          // Either refused with Unauthorized (payload happened to be an object or empty) or the connection is closed.
          await Promise.race([raw.closed(), raw.waitFor((frame) => frame.startsWith('44'))]);
          expect(raw.messages.some((frame) => frame.startsWith('40{"sid"'))).toBe(false);
        } finally {
          raw.close();
        }
      }),
      { numRuns: 100 },
    );
    expect(accepted).toBe(acceptedBefore);
    await expectValidClientReceives('after raw fuzzing');
  });

  it('control: the same path accepts a valid token (so the fuzz could fail)', async () => {
    const { mintSocketToken } = await import('../helpers/socket-token');
    const raw = await connectRaw(server.url, { token: (await mintSocketToken('bob')).token });
    raw.close();
    expect(await attempt({ token: (await mintSocketToken('bob')).token }, 'polling')).toEqual({ refused: false });
  });
});
