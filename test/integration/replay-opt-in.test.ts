/**
 * A client that does not opt into replay at the handshake receives each event with exactly its
 * payload (issue 18, item 1; the design note's contract). Before, every event carried its log
 * position as a second argument, so a python-socketio handler `def on(data)` raised TypeError and
 * the client got nothing. A real python-socketio client (Debian's python3-socketio) and real
 * socket.io-client connections against a real server on port 0; live and replayed events.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { io as connect } from 'socket.io-client';
import { createMemoryRevocationStore, type RevocationStore } from 'socket-gateway/advanced';
import { type SyncInfo } from 'socket-gateway';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const PYTHON = '/usr/bin/python3';
const PLAIN_CLIENT = join(__dirname, '../helpers/python/plain_client.py');

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: 1_764_201_600_000 });

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  server = undefined;
});

/** Every event a client receives, with ALL its arguments (gateway:sync included). */
async function open(srv: TestServer, userId: string, auth: Record<string, unknown> = {}) {
  const token = (await mintSocketToken(userId)).token;
  const client: TestClient = connect(srv.url, { auth: { token, ...auth }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(client);
  const got: { event: string; args: unknown[] }[] = [];
  // presence:changed (the user's own comings and goings) is left out: the three emits are the subject.
  client.onAny((event: string, ...args: unknown[]) => event !== 'presence:changed' && got.push({ event, args }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  return { client, got, events: () => got.filter((e) => e.event !== 'gateway:sync'), syncs: () => got.filter((e) => e.event === 'gateway:sync') };
}

/** The three documented emits: to the user, to a room of the user, to everyone. */
async function emitThree(tag: string) {
  await gateway.emitToUser('bob', 'notification', message(`${tag} note`));
  await gateway.emitToRoom('lobby', 'room:message', { ...message(`${tag} post`), room: 'lobby' });
  await gateway.broadcast('announcement', message(`${tag} all`));
}
const three = (tag: string) => [
  { event: 'notification', args: [message(`${tag} note`)] },
  { event: 'room:message', args: [{ ...message(`${tag} post`), room: 'lobby' }] },
  { event: 'announcement', args: [message(`${tag} all`)] },
];
const POSITION = expect.stringMatching(/^\d+-\d+$/);
const withPositions = (events: { event: string; args: unknown[] }[]) => events.map(({ event, args }) => ({ event, args: [...args, POSITION] }));

describe('a python-socketio client written to the design note', () => {
  beforeAll(() => {
    const probe = spawnSync(PYTHON, ['-c', 'import socketio, websocket'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `${PYTHON} cannot import socketio/websocket: install Debian's python3-socketio and python3-websocket ` +
          `(apt-get install -y python3-socketio python3-websocket; .ci/run does). ${probe.stderr ?? probe.error?.message ?? ''}`,
      );
    }
  });

  it('receives emitToUser, emitToRoom and broadcast payloads exactly, with one-argument handlers, and nothing else', async () => {
    // websocket-client sends `Origin: <the server's own URL>`, as a client of a deployed app would
    // (its own origin is allowed there); here the port is known only once listening.
    const allowedOrigins: string[] = [];
    server = await startSocketServer({ allowedOrigins });
    allowedOrigins.push(server.url);
    await server.stores.membership.join('bob', 'lobby', 50);
    // An opted-in tab of another user on the same node: both kinds of delivery at once.
    const browser = await open(server, 'alice', { replay: true });
    const token = (await mintSocketToken('bob')).token;
    const child = spawn(PYTHON, [PLAIN_CLIENT, server.url, token, '3', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(lines, stderr).toContain('connected'), { timeout: 10_000 });
      await emitThree('live');
      expect(await exited, `python client: ${stderr}`).toBe(0);
    } finally {
      child.kill();
    }
    const received = lines
      .filter((line) => line !== 'connected')
      .map((line) => JSON.parse(line) as unknown[])
      .filter(([kind]) => kind !== 'aside'); // presence:changed about bob himself (one argument as well)
    expect(received).toEqual(three('live').map(({ event, args }) => [event, args[0]]));
    // The opted-in tab still gets positions (it is alice: only the broadcast is hers).
    await vi.waitFor(() => expect(browser.events()).toEqual(withPositions(three('live').slice(2))));
  });
});

describe('socket.io-client: plain and opted-in clients', () => {
  it('live: a plain client gets exactly one argument per event and no gateway:sync; an opted-in one gets positions and its sync', async () => {
    server = await startSocketServer();
    await server.stores.membership.join('bob', 'lobby', 50);
    const plain = await open(server, 'bob');
    const optedIn = await open(server, 'bob', { replay: true });
    await vi.waitFor(() => expect(optedIn.syncs()).toHaveLength(1));
    await emitThree('live');
    await vi.waitFor(() => expect(plain.events()).toHaveLength(3));
    await vi.waitFor(() => expect(optedIn.events()).toHaveLength(3));
    await settle(100);
    expect(plain.got).toEqual(three('live')); // nothing else: no position, no gateway:sync
    expect(optedIn.events()).toEqual(withPositions(three('live')));
    expect(optedIn.syncs()[0]!.args).toEqual([expect.objectContaining({ resync: false, replayed: 0 })]);
  });

  it('live, with only plain sockets on the node: one argument each', async () => {
    server = await startSocketServer();
    await server.stores.membership.join('bob', 'lobby', 50);
    const plain = await open(server, 'bob');
    await emitThree('only plain');
    await vi.waitFor(() => expect(plain.got).toHaveLength(3));
    await settle(100);
    expect(plain.got).toEqual(three('only plain'));
  });

  it('replayed: an opted-in client resuming gets positions; a plain one replayed what came during its connect gets one argument', async () => {
    // The sign-out re-check after the join is held, so events emitted meanwhile reach the socket
    // through the replay (live delivery leaves it out until then).
    const base = createMemoryRevocationStore();
    let hold: Promise<void> | undefined;
    let release = () => {};
    let checks = 0;
    let holdFrom = Infinity;
    const revocations: RevocationStore = {
      ...base,
      async notBefore(userId) {
        checks += 1;
        if (hold && checks >= holdFrom) await hold;
        return base.notBefore(userId);
      },
    };
    server = await startSocketServer({ stores: { revocations } });
    await server.stores.membership.join('bob', 'lobby', 50);

    const first = await open(server, 'bob', { replay: true });
    await vi.waitFor(() => expect(first.syncs()).toHaveLength(1));
    const { epoch, position } = first.syncs()[0]!.args[0] as SyncInfo;
    first.client.close();
    await settle(50);
    await emitThree('missed');
    const resumed = await open(server, 'bob', { resume: { epoch, position } });
    await vi.waitFor(() => expect(resumed.syncs()).toHaveLength(1));
    expect(resumed.syncs()[0]!.args[0]).toMatchObject({ resync: false });
    expect(resumed.events()).toEqual(withPositions(three('missed')));

    hold = new Promise((resolve) => (release = resolve));
    const before = checks;
    holdFrom = before + 2; // not the handshake's check: the one after the join
    const plainOpening = open(server, 'bob');
    // Handshake check, then the re-check after the join (held): emit while it waits.
    await vi.waitFor(() => expect(checks).toBe(before + 2));
    const plain = await plainOpening;
    await emitThree('during connect');
    await settle(100);
    expect(plain.got).toEqual([]);
    hold = undefined;
    release();
    await vi.waitFor(() => expect(plain.got).toHaveLength(3));
    await settle(100);
    expect(plain.got).toEqual(three('during connect'));
  });
});
