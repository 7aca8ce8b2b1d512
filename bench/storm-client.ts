/**
 * The storm part's load generator: N light gateway clients in ONE process (raw Engine.IO over
 * bench/lib/raw-ws.ts) that implement the gateway's replay protocol (docs/replay-protocol.md):
 *
 * - every delivery carries its log position as the last argument (`42["ev",{…},"<ms>-<n>"]`):
 *   the client keeps the newest one, read from the frame bytes without JSON.parse;
 * - after each (re)connect, `gateway:sync` gives `{ epoch, position, replayed, resync }`: kept;
 * - the first connect opts into replay (`auth: { token, replay: true }`); a reconnect sends
 *   `auth: { token, resume: { epoch, position, socketId } }`.
 *
 * After a drop, a client reconnects with socket.io-client's default backoff (Manager options
 * reconnectionDelay 1000, reconnectionDelayMax 5000, randomizationFactor 0.5, factor 2: the first
 * attempt after 0.5–1.5 s, then 1–3 s, 2–6 s capped at 5 s), and retries the same way when a
 * handshake is refused (an HTTP refusal, or `44` CONNECT_ERROR, which the browser store retries too).
 * Each client counts every streamed event it gets, by sequence number (lost, duplicates).
 * @see https://github.com/socketio/socket.io/blob/socket.io-client%404.8.1/packages/socket.io-client/lib/contrib/backo2.ts
 */
import { mintSocketToken } from 'socket-gateway/advanced';
import { benchTokenKey } from './token-key';
import { openRawWebSocket, type RawWebSocket } from './lib/raw-ws';
import { monoMs, userId } from './lib/protocol';
import { roomIndexOf, type RecoveryReport, type StormCommand, type StormReply, type VerifyReport } from './lib/storm-protocol';

const PATH = '/socket.io/?EIO=4&transport=websocket';
/** socket.io-client's `timeout` (ms): a handshake that takes longer is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 20_000;

let port = Number(process.env.BENCH_PORT);

/** socket.io-client's Backoff#duration with its Manager defaults (min 1000, max 5000, jitter 0.5, factor 2). */
function backoffMs(attempt: number): number {
  let ms = 1000 * 2 ** Math.min(attempt, 10);
  const rand = Math.random();
  const deviation = Math.floor(rand * 0.5 * ms);
  ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
  return Math.min(ms, 5000) | 0;
}

interface StormClient {
  index: number;
  room: number;
  token: string;
  /** A distinct client address per client (the nodes trust one proxy hop), as real clients have. */
  forwardedFor: string;
  socket: RawWebSocket | null;
  connected: boolean;
  /** Reconnects on its own once it has been connected the first time. */
  live: boolean;
  /** Dropped since the part armed the recovery count, not synced again yet. */
  dropped: boolean;
  sid: string;
  epoch: string;
  position: string;
  attempt: number;
  timer: NodeJS.Timeout | null;
  roomSeen: Uint8Array;
  userSeen: Uint8Array;
  presence: number;
  misaddressed: number;
  /** The first connect: resolved on `gateway:sync`, rejected on failure. */
  pending: { resolve: () => void; reject: (error: Error) => void } | null;
}

const clients: StormClient[] = [];
const recovery: Omit<RecoveryReport, 'n' | 'timedOut'> & { armed: boolean } = {
  armed: false,
  recovered: 0,
  lastConnectedAt: 0,
  lastSyncedAt: 0,
  attempts: 0,
  refused: {},
  resyncs: 0,
  replayed: 0,
};

function reply(message: StormReply): void {
  process.send?.(message);
}

const CH_0 = 0x30;
const CH_2 = 0x32;
const CH_4 = 0x34;
const ID_FIELD = Buffer.from('"id":"');
const SYNC_PREFIX = Buffer.from('42["gateway:sync"');

function bump(seen: Uint8Array, seq: number): Uint8Array {
  let array = seen;
  if (seq >= array.length) {
    array = new Uint8Array(Math.max(seq + 1, array.length * 2));
    array.set(seen);
  }
  if (array[seq]! < 255) array[seq]! += 1;
  return array;
}

/** The integer at `offset` up to the first non-digit, and where it stopped. */
function readInt(frame: Buffer, offset: number): [number, number] {
  let value = 0;
  let i = offset;
  for (; i < frame.length; i++) {
    const c = frame[i]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return [value, i];
}

function onDelivery(client: StormClient, frame: Buffer): void {
  // The position: the last argument, `,"<ms>-<n>"]` at the end of the frame.
  const end = frame.length - 2;
  if (frame[end + 1] === 0x5d && frame[end] === 0x22) {
    const start = frame.lastIndexOf(0x22, end - 1);
    if (start > 0) client.position = frame.toString('latin1', start + 1, end);
  }
  const at = frame.indexOf(ID_FIELD);
  if (at < 0) {
    client.presence += 1;
    return;
  }
  const kind = frame[at + ID_FIELD.length];
  const [target, dot] = readInt(frame, at + ID_FIELD.length + 1);
  const [seq] = readInt(frame, dot + 1);
  if (kind === 0x72 /* r */) {
    if (target === client.room) client.roomSeen = bump(client.roomSeen, seq);
    else client.misaddressed += 1;
  } else if (target === client.index) {
    client.userSeen = bump(client.userSeen, seq);
  } else {
    client.misaddressed += 1;
  }
}

function onSync(client: StormClient, frame: Buffer): void {
  const [, info] = JSON.parse(frame.toString('utf8', 2)) as [string, { epoch: string; position: string; replayed: number; resync: boolean }];
  client.epoch = info.epoch;
  client.position = info.position;
  if (client.pending) {
    client.pending.resolve();
    client.pending = null;
  }
  if (client.dropped && recovery.armed) {
    client.dropped = false;
    recovery.recovered += 1;
    recovery.lastSyncedAt = monoMs();
    if (info.resync) recovery.resyncs += 1;
    recovery.replayed += info.replayed;
  }
}

function authOf(client: StormClient): string {
  if (!client.epoch) return JSON.stringify({ token: client.token, replay: true });
  return JSON.stringify({ token: client.token, resume: { epoch: client.epoch, position: client.position, socketId: client.sid } });
}

function scheduleReconnect(client: StormClient): void {
  if (client.timer) return;
  const delay = backoffMs(client.attempt);
  client.attempt += 1;
  client.timer = setTimeout(() => {
    client.timer = null;
    open(client);
  }, delay);
}

/** A handshake that did not succeed (refused, timed out, closed). */
function failAttempt(client: StormClient, reason: string): void {
  client.socket?.terminate();
  client.socket = null;
  if (recovery.armed) recovery.refused[reason] = (recovery.refused[reason] ?? 0) + 1;
  if (client.pending) {
    client.pending.reject(new Error(reason));
    client.pending = null;
    return;
  }
  if (client.live) scheduleReconnect(client);
}

function open(client: StormClient): void {
  if (recovery.armed) recovery.attempts += 1;
  let handshakeSent = false;
  const handshakeTimer = setTimeout(() => failAttempt(client, 'connect timeout'), CONNECT_TIMEOUT_MS);
  const socket = openRawWebSocket(
    port,
    PATH,
    {
      open: () => undefined,
      frame: (frame) => {
        const first = frame[0];
        if (client.connected) {
          if (first === CH_4 && frame[1] === CH_2) {
            if (frame.length > SYNC_PREFIX.length && frame.subarray(0, SYNC_PREFIX.length).equals(SYNC_PREFIX)) onSync(client, frame);
            else onDelivery(client, frame);
          } else if (first === CH_2 && frame.length === 1) {
            socket.sendText('3');
          }
          return;
        }
        if (first === CH_0 && !handshakeSent) {
          handshakeSent = true;
          socket.sendText(`40${authOf(client)}`);
        } else if (first === CH_4 && frame[1] === CH_0) {
          clearTimeout(handshakeTimer);
          client.connected = true;
          client.live = true;
          client.attempt = 0;
          client.sid = (JSON.parse(frame.toString('utf8', 2)) as { sid: string }).sid;
          if (client.dropped && recovery.armed) recovery.lastConnectedAt = monoMs();
        } else if (first === CH_4 && frame[1] === CH_4) {
          clearTimeout(handshakeTimer);
          const { message } = JSON.parse(frame.toString('utf8', 2)) as { message?: string };
          failAttempt(client, `CONNECT_ERROR ${message ?? ''}`);
        }
      },
      close: (error) => {
        clearTimeout(handshakeTimer);
        if (client.socket !== socket) return;
        if (!client.connected) return failAttempt(client, error?.message.replace(/:\d+$/, '') ?? 'closed during handshake');
        client.connected = false;
        client.socket = null;
        if (recovery.armed) client.dropped = true;
        scheduleReconnect(client);
      },
    },
    { 'X-Forwarded-For': client.forwardedFor },
  );
  client.socket = socket;
}

async function connectAll(n: number, concurrency: number): Promise<StormReply & { type: 'connected' }> {
  for (let i = clients.length; i < n; i++) {
    clients.push({
      index: i,
      room: roomIndexOf(i),
      token: (await mintSocketToken(userId(i), { key: benchTokenKey(), ttlSeconds: 3600 })).token,
      forwardedFor: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      socket: null,
      connected: false,
      live: false,
      dropped: false,
      sid: '',
      epoch: '',
      position: '',
      attempt: 0,
      timer: null,
      roomSeen: new Uint8Array(64),
      userSeen: new Uint8Array(16),
      presence: 0,
      misaddressed: 0,
      pending: null,
    });
  }
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const started = monoMs();
  const worker = async () => {
    while (next < n) {
      const client = clients[next++]!;
      try {
        await new Promise<void>((resolve, reject) => {
          client.pending = { resolve, reject };
          open(client);
        });
        ok += 1;
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { type: 'connected', id: 0, ok, failed, ...(firstError ? { firstError } : {}), ms: monoMs() - started };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function awaitRecovery(timeoutMs: number): Promise<RecoveryReport> {
  const deadline = monoMs() + timeoutMs;
  while (recovery.recovered < clients.length && monoMs() < deadline) await sleep(20);
  const { armed: _armed, ...report } = recovery;
  return { ...report, refused: { ...report.refused }, n: clients.length, timedOut: recovery.recovered < clients.length };
}

function missingOf(seen: Uint8Array, total: number): number {
  let missing = 0;
  for (let seq = 0; seq < total; seq++) if (!seen[seq]) missing += 1;
  return missing;
}

async function verify(roomTotals: number[], userTotals: number[], timeoutMs: number): Promise<VerifyReport> {
  const deadline = monoMs() + timeoutMs;
  const missing = () => clients.reduce((sum, c) => sum + missingOf(c.roomSeen, roomTotals[c.room] ?? 0) + missingOf(c.userSeen, userTotals[c.index] ?? 0), 0);
  while (missing() > 0 && monoMs() < deadline) await sleep(100);
  const report: VerifyReport = { lost: missing(), duplicates: 0, delivered: 0, presence: 0, misaddressed: 0 };
  for (const c of clients) {
    for (const [seen, total] of [
      [c.roomSeen, roomTotals[c.room] ?? 0],
      [c.userSeen, userTotals[c.index] ?? 0],
    ] as const) {
      for (let seq = 0; seq < seen.length; seq++) {
        const count = seen[seq]!;
        if (count > 0) report.delivered += 1;
        if (count > 1) report.duplicates += count - 1;
        // An event numbered past what was streamed: counted as misaddressed (cannot happen).
        if (count > 0 && seq >= total) report.misaddressed += 1;
      }
    }
    report.presence += c.presence;
    report.misaddressed += c.misaddressed;
  }
  return report;
}

process.on('message', (message: StormCommand) => {
  switch (message.type) {
    case 'connect':
      void connectAll(message.n, message.concurrency).then((result) => reply({ ...result, id: message.id }));
      break;
    case 'failover':
      port = message.port;
      recovery.armed = true;
      reply({ type: 'failedOver', id: message.id });
      break;
    case 'awaitRecovery':
      void awaitRecovery(message.timeoutMs).then((report) => reply({ type: 'recovery', id: message.id, ...report }));
      break;
    case 'verify':
      void verify(message.roomTotals, message.userTotals, message.timeoutMs).then((report) => reply({ type: 'verified', id: message.id, ...report }));
      break;
    case 'close':
      for (const client of clients) {
        client.live = false;
        if (client.timer) clearTimeout(client.timer);
        client.socket?.terminate();
      }
      reply({ type: 'closed', id: message.id });
      setTimeout(() => process.exit(0), 50);
      break;
  }
});

process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
