/**
 * What the bench processes share: the server kinds, the IPC messages between the harness
 * and its children, the payload every server pushes, and the hot-path helpers the load
 * generator uses to read a delivery without JSON.parse.
 */

/** The four servers under test. */
export type ServerKind = 'ws' | 'sio' | 'gateway' | 'trpc';

/** A server under test: a kind plus optional variant switches (the "cheap wins" ablations). */
export interface ServerSpec {
  /** Row name in the table. */
  name: string;
  kind: ServerKind;
  /** Socket.IO kinds: engine.io perMessageDeflate on (the Socket.IO default is off). */
  deflate?: boolean;
  /** Socket.IO kinds: accept polling too (Socket.IO default); otherwise websocket only. */
  polling?: boolean;
  /** raw Socket.IO: drop the handshake request after connect (the gateway always does). */
  dropRequest?: boolean;
  /** gateway: keep a reference to the handshake request (undoes the gateway's saving). */
  keepRequest?: boolean;
  /** gateway: fan out with `gateway.broadcast` (every socket) instead of `emitToRoom`. */
  fanout?: 'room' | 'all';
}

/** harness → server child */
export type ServerCommand =
  | { type: 'stats'; id: number; gc: boolean }
  | { type: 'fanout'; id: number; round: number }
  | { type: 'emitToUsers'; id: number; count: number }
  /** Writes a V8 heap snapshot to `path` (bench/heap-breakdown.ts). */
  | { type: 'snapshot'; id: number; path: string };

/** server child → harness */
export type ServerReply =
  | { type: 'ready'; port: number }
  | { type: 'stats'; id: number; rss: number; heapUsed: number; user: number; system: number; connections: number }
  | { type: 'sent'; id: number; startedAt: number; endedAt: number }
  | { type: 'snapshot'; id: number; path: string };

/** harness → client child */
export type ClientCommand =
  | { type: 'connect'; id: number; n: number; concurrency: number }
  | { type: 'expect'; id: number; count: number; measure: boolean; timeoutMs: number }
  | { type: 'report'; id: number }
  /** Closes every open client socket (the process stays). */
  | { type: 'disconnect'; id: number }
  | { type: 'close'; id: number };

/** client child → harness */
export type ClientReply =
  | { type: 'ready' }
  | { type: 'connected'; id: number; ms: number; ok: number; failed: number; firstError?: string }
  | { type: 'expecting'; id: number }
  | { type: 'done'; id: number; received: number; lastAt: number; timedOut: boolean }
  | { type: 'report'; id: number; count: number; p50: number; p99: number; max: number; pings: number; others: number }
  | { type: 'disconnected'; id: number }
  | { type: 'closed'; id: number };

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every process on this machine. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const FANOUT_EVENT = 'room:message';
export const USER_EVENT = 'notification';
export const BENCH_ROOM = 'bench';
export const MESSAGE_TEXT = 'benchmark payload: a short chat-sized message of about one hundred bytes, ok.';

export function userId(index: number): string {
  return `u${index}`;
}

/**
 * The payload every server pushes. `sentAt` carries the send time on the monotonic clock
 * (ms since boot, fractional), so the receiving process can subtract its own `monoMs()`.
 */
export function fanoutPayload(round: number) {
  return { id: `r${round}`, from: 'bench', message: MESSAGE_TEXT, sentAt: monoMs(), room: BENCH_ROOM };
}

export function userPayload(index: number) {
  return { id: `n${index}`, from: 'bench', message: MESSAGE_TEXT, sentAt: monoMs() };
}

const SENT_AT = Buffer.from('"sentAt":');

/** Reads the number after `"sentAt":` straight from the frame bytes (NaN when absent). */
export function readSentAt(frame: Buffer): number {
  let i = frame.indexOf(SENT_AT);
  if (i < 0) return Number.NaN;
  i += SENT_AT.length;
  let whole = 0;
  let fraction = 0;
  let scale = 1;
  let seenDot = false;
  for (; i < frame.length; i++) {
    const c = frame[i]!;
    if (c >= 48 && c <= 57) {
      if (seenDot) {
        scale /= 10;
        fraction += (c - 48) * scale;
      } else {
        whole = whole * 10 + (c - 48);
      }
    } else if (c === 46 && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  return whole + fraction;
}
