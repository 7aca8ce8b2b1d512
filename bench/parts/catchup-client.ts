/**
 * The `catchup` part's client, in its own process on the load-generator core: ONE light
 * wire-protocol socket (../lib/raw-ws.ts) that connects, learns where it stands from
 * `gateway:sync`, goes away, and later reconnects with `auth.resume` (docs/replay-protocol.md).
 *
 * On the reconnect it times from sending the `40{auth}` handshake until the last missed event
 * and until `gateway:sync`, and checks every delivery without JSON.parse: the payload index
 * (`"id":"n<i>"`, ../lib/protocol.ts `userPayload`) must be the next one expected (all there,
 * in order, none twice) and the position (the last argument) must grow.
 */
import { mintSocketToken, SYNC_EVENT } from 'socket-gateway/advanced';
import { type SyncInfo } from 'socket-gateway';
import { benchTokenKey } from '../token-key';
import { openRawWebSocket, type RawWebSocket } from '../lib/raw-ws';
import { monoMs } from '../lib/protocol';

const port = Number(process.env.BENCH_PORT);

/** harness → client */
export type CatchupCommand =
  | { type: 'first'; id: number; user: string }
  | { type: 'resume'; id: number; user: string; expected: number; epoch: string; position: string; socketId: string; timeoutMs: number }
  | { type: 'close'; id: number };

export interface ResumeResult {
  /** `40{auth}` sent → the last expected event received (NaN when not all arrived). */
  lastEventMs: number;
  /** `40{auth}` sent → `gateway:sync` received. */
  syncMs: number;
  received: number;
  /** Deliveries whose payload index was not the next one expected, or whose position did not grow. */
  outOfOrder: number;
  sync: SyncInfo | null;
  error?: string;
}

/** client → harness */
export type CatchupReply =
  | { type: 'ready' }
  | { type: 'first'; id: number; epoch: string; position: string; socketId: string }
  | ({ type: 'resumed'; id: number } & ResumeResult)
  | { type: 'closed'; id: number };

const PATH = '/socket.io/?EIO=4&transport=websocket';
const CH_0 = 0x30;
const CH_2 = 0x32;
const CH_4 = 0x34;
const SYNC_PREFIX = Buffer.from(`42["${SYNC_EVENT}",`);
const ID_MARK = Buffer.from('"id":"n');
const QUOTE = 0x22;
const DASH = 0x2d;

function reply(message: CatchupReply): void {
  process.send?.(message);
}

/** Reads the digits at `from` (up to the first non-digit). */
function digitsAt(frame: Buffer, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = frame[i]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** The frame's trailing position `…,"<ms>-<seq>"]` as [ms, seq] (ms and seq fit a double: ms < 2^53, seq < 2^53). */
function positionOf(frame: Buffer): [number, number] | null {
  const end = frame.length - 2; // the closing quote
  if (end < 1 || frame[end] !== QUOTE) return null;
  const start = frame.lastIndexOf(QUOTE, end - 1);
  const dash = frame.indexOf(DASH, start);
  if (start < 0 || dash < 0 || dash > end) return null;
  return [digitsAt(frame, start + 1, dash), digitsAt(frame, dash + 1, end)];
}

interface Handshake {
  onConnected(frame: Buffer): void;
  onEvent(frame: Buffer): void;
  onClose(error?: Error): void;
}

/** Opens a socket that sends `auth` on the Engine.IO open packet; answers pings. */
function open(auth: string, handlers: Handshake, onSent: () => void): RawWebSocket {
  let connected = false;
  const socket = openRawWebSocket(port, PATH, {
    open: () => undefined,
    frame: (frame) => {
      const first = frame[0];
      if (first === CH_4 && frame[1] === CH_2) return handlers.onEvent(frame);
      if (first === CH_2 && frame.length === 1) return socket.sendText('3');
      if (first === CH_0 && !connected) {
        onSent();
        socket.sendText(`40${auth}`);
      } else if (first === CH_4 && frame[1] === 0x30) {
        connected = true;
        handlers.onConnected(frame);
      } else if (first === CH_4 && frame[1] === CH_4) handlers.onClose(new Error(`refused: ${frame.toString().slice(2, 200)}`));
    },
    close: (error) => handlers.onClose(error ?? new Error('closed')),
  });
  return socket;
}

async function first(command: Extract<CatchupCommand, { type: 'first' }>): Promise<void> {
  const { token } = await mintSocketToken(command.user, { key: benchTokenKey(), ttlSeconds: 3600 });
  let socketId = '';
  const socket = open(
    JSON.stringify({ token, replay: true }),
    {
      onConnected: (frame) => (socketId = (JSON.parse(frame.subarray(2).toString()) as { sid: string }).sid),
      onEvent: (frame) => {
        if (!frame.subarray(0, SYNC_PREFIX.length).equals(SYNC_PREFIX)) return;
        const sync = (JSON.parse(frame.subarray(2).toString()) as [string, SyncInfo])[1];
        socket.terminate();
        reply({ type: 'first', id: command.id, epoch: sync.epoch, position: sync.position, socketId });
      },
      onClose: (error) => {
        throw error ?? new Error('closed before gateway:sync');
      },
    },
    () => undefined,
  );
}

async function resume(command: Extract<CatchupCommand, { type: 'resume' }>): Promise<void> {
  const { token } = await mintSocketToken(command.user, { key: benchTokenKey(), ttlSeconds: 3600 });
  const auth = JSON.stringify({ token, resume: { epoch: command.epoch, position: command.position, socketId: command.socketId } });
  let sentAt = 0;
  let lastEventAt = Number.NaN;
  let syncAt = Number.NaN;
  let received = 0;
  let outOfOrder = 0;
  let lastMs = -1;
  let lastSeq = -1;
  let sync: SyncInfo | null = null;
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.terminate();
    reply({
      type: 'resumed',
      id: command.id,
      lastEventMs: lastEventAt - sentAt,
      syncMs: syncAt - sentAt,
      received,
      outOfOrder,
      sync,
      ...(error ? { error } : {}),
    });
  };
  const timer = setTimeout(() => finish(`timed out after ${command.timeoutMs} ms with ${received} of ${command.expected}`), command.timeoutMs);
  const socket = open(
    auth,
    {
      onConnected: () => undefined,
      onEvent: (frame) => {
        if (frame.subarray(0, SYNC_PREFIX.length).equals(SYNC_PREFIX)) {
          syncAt = monoMs();
          sync = (JSON.parse(frame.subarray(2).toString()) as [string, SyncInfo])[1];
        } else {
          const mark = frame.indexOf(ID_MARK);
          const index = mark < 0 ? -1 : digitsAt(frame, mark + ID_MARK.length, frame.length);
          const position = positionOf(frame);
          const grows = position !== null && (position[0] > lastMs || (position[0] === lastMs && position[1] > lastSeq));
          if (index !== received || !grows) outOfOrder += 1;
          if (position) [lastMs, lastSeq] = position;
          received += 1;
          if (received === command.expected) lastEventAt = monoMs();
        }
        if (received >= command.expected && sync) finish();
      },
      onClose: (error) => finish(error?.message ?? 'closed'),
    },
    () => (sentAt = monoMs()),
  );
}

process.on('message', (message: CatchupCommand) => {
  switch (message.type) {
    case 'first':
      void first(message);
      break;
    case 'resume':
      void resume(message);
      break;
    case 'close':
      reply({ type: 'closed', id: message.id });
      setTimeout(() => process.exit(0), 50);
      break;
  }
});

process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
