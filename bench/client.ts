/**
 * The load generator: N light clients in ONE process, speaking each server's wire protocol
 * over raw `ws` (no socket.io-client, no tRPC client, no JSON.parse on the hot path).
 *
 * - ws:          open `?u=<user>`; every text frame is a delivery.
 * - sio/gateway: open `/socket.io/?EIO=4&transport=websocket`, wait for the Engine.IO open
 *                packet `0{...}`, send `40{auth}`, connected on `40{...}` (refused on `44`);
 *                answer ping `2` with pong `3`; `42[...]` frames are deliveries.
 * - trpc:        open, send one `subscription` request, connected on `"type":"started"`;
 *                `"type":"data"` frames are deliveries.
 *
 * A delivery's latency is `monoMs()` on receipt minus the `sentAt` read from the frame bytes.
 */
import { mintSocketToken } from 'socket-gateway/advanced';
import { benchTokenKey } from './token-key';
import { openRawWebSocket, type RawWebSocket } from './lib/raw-ws';
import { monoMs, readSentAt, userId, type ClientCommand, type ClientReply, type ServerKind } from './lib/protocol';

const kind = process.env.BENCH_KIND as ServerKind;
/** BENCH_PORTS (comma-separated, a cluster's nodes): client i connects to port i mod their count. */
const ports = (process.env.BENCH_PORTS ?? process.env.BENCH_PORT ?? '').split(',').map(Number);

const sockets: RawWebSocket[] = [];
let pings = 0;

// Hot-path state of the current round.
let expected = 0;
let received = 0;
let lastAt = 0;
let measuring = false;
let samples = new Float64Array(1 << 16);
let sampleCount = 0;
/** Frames that are not the bench's payloads (the gateway's own events) received during measured rounds. */
let others = 0;
let roundDone: (() => void) | null = null;

function reply(message: ClientReply): void {
  process.send?.(message);
}

function record(frame: Buffer): void {
  const now = monoMs();
  // Only the bench's own payloads count (they all carry sentAt). The gateway also sends its own
  // events: `membership:changed` for each enterRoom of the cluster part, 1 per client, which
  // arrive while the warm-up runs and, counted as deliveries, ended rounds early (negative rates,
  // no p99) whenever they were still in flight when the measured rounds began.
  const sentAt = readSentAt(frame);
  if (Number.isNaN(sentAt)) {
    if (measuring) others += 1; // reported: the server's own frames cost it CPU inside the measured window
    return;
  }
  if (measuring) {
    if (sampleCount === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[sampleCount++] = now - sentAt;
  }
  lastAt = now;
  received += 1;
  if (received === expected) roundDone?.();
}

const CH_0 = 0x30;
const CH_2 = 0x32;
const CH_4 = 0x34;

function openSocket(index: number, auth: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const user = userId(index);
    const path = kind === 'ws' ? `/?u=${user}` : kind === 'trpc' ? '/' : '/socket.io/?EIO=4&transport=websocket';
    let connected = false;
    const ready = () => {
      connected = true;
      sockets.push(socket);
      resolve();
    };
    const fail = (error: Error) => {
      if (!connected) {
        socket.terminate();
        reject(error);
      }
    };
    let onFrame: (frame: Buffer) => void;
    let onOpen = () => undefined as void;
    if (kind === 'ws') {
      onOpen = ready;
      onFrame = record;
    } else if (kind === 'trpc') {
      onOpen = () => socket.sendText(`{"id":1,"method":"subscription","params":{"path":"onEvent","input":{"u":"${user}"}}}`);
      onFrame = (frame) => {
        if (connected) return record(frame);
        if (frame.includes('"started"')) ready();
        else fail(new Error(`tRPC subscription refused: ${frame.toString().slice(0, 200)}`));
      };
    } else {
      onFrame = (frame) => {
        const first = frame[0];
        if (connected) {
          if (first === CH_4 && frame[1] === CH_2) record(frame);
          else if (first === CH_2 && frame.length === 1) {
            pings += 1;
            socket.sendText('3');
          }
          return;
        }
        if (first === CH_0) socket.sendText(`40${auth ?? `{"u":"${user}"}`}`);
        else if (first === CH_4 && frame[1] === CH_0) ready();
        else if (first === CH_4 && frame[1] === CH_4) fail(new Error(`refused: ${frame.toString().slice(2, 200)}`));
      };
    }
    const socket: RawWebSocket = openRawWebSocket(ports[index % ports.length]!, path, {
      open: () => onOpen(),
      frame: (frame) => onFrame(frame),
      close: (error) => fail(error ?? new Error('closed during handshake')),
    });
  });
}

async function connectAll(n: number, concurrency: number): Promise<ClientReply & { type: 'connected' }> {
  // Tokens are minted before the clock starts: the server's verification is what we time.
  const auths: (string | undefined)[] = new Array(n);
  if (kind === 'gateway') {
    for (let i = 0; i < n; i++) auths[i] = JSON.stringify({ token: (await mintSocketToken(userId(i), { key: benchTokenKey(), ttlSeconds: 3600 })).token });
  }
  let next = 0;
  const end = n;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const started = monoMs();
  const worker = async () => {
    while (next < end) {
      const index = next++;
      try {
        await openSocket(index, auths[index]);
        ok += 1;
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { type: 'connected', id: 0, ms: monoMs() - started, ok, failed, firstError };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

process.on('message', (message: ClientCommand) => {
  switch (message.type) {
    case 'connect':
      void connectAll(message.n, message.concurrency).then((result) => reply({ ...result, id: message.id }));
      break;
    case 'expect': {
      expected = message.count;
      received = 0;
      measuring = message.measure;
      const timer = setTimeout(() => finish(true), message.timeoutMs);
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        roundDone = null;
        expected = 0;
        reply({ type: 'done', id: message.id, received, lastAt, timedOut });
      };
      roundDone = () => finish(false);
      reply({ type: 'expecting', id: message.id });
      break;
    }
    case 'report': {
      const sorted = samples.slice(0, sampleCount).sort();
      reply({
        type: 'report',
        id: message.id,
        count: sampleCount,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: percentile(sorted, 100),
        pings,
        others,
      });
      sampleCount = 0;
      others = 0;
      break;
    }
    case 'disconnect':
      for (const socket of sockets.splice(0)) socket.terminate();
      reply({ type: 'disconnected', id: message.id });
      break;
    case 'close':
      for (const socket of sockets) socket.terminate();
      reply({ type: 'closed', id: message.id });
      setTimeout(() => process.exit(0), 50);
      break;
  }
});

process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
