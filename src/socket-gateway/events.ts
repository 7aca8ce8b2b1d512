/**
 * The event contract between server and browser: the ONLY module both sides import.
 *
 * Each event is defined once, here, with its zod schema. The TypeScript types
 * (`ServerToClientEvents`, `EventPayload<E>`) and the runtime list of names derive from
 * `serverEvents`; in development and tests every emit checks its payload against the schema.
 * Add an event by adding one entry to `serverEvents`.
 */
import { z } from 'zod';

/**
 * Bytes a delivered event takes beyond its payload: the Socket.IO packet (`42["<event>",<payload>,"<position>"]`),
 * the event name and the log position. An event's payload bound plus this must fit in a socket's
 * backlog cap, so one event alone never cuts a recipient (event-bounds.ts; the app's EVENT_MAX_BYTES).
 */
export const EVENT_FRAME_ALLOWANCE = 1024;

/** Longest message accepted by the procedures that emit (after trimming). */
export const MAX_MESSAGE_LENGTH = 2000;
/**
 * And at most this many bytes in UTF-8: what it costs to keep (history, log) is judged in bytes,
 * not in UTF-16 units (2,000 units of CJK are 6,000 bytes).
 */
export const MAX_MESSAGE_BYTES = 4000;

/**
 * Control characters other than tab, line feed and carriage return (C0, DEL, C1), and lone
 * surrogates: none is text anyone types, and JSON writes each as a 6-byte escape (`\u0001`), so
 * 2,000 of them were 12,002 bytes of storage (red-team round 3, F6).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Bytes of `text` in UTF-8 (browser and server alike; a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** A message text: trimmed, 1–2000 characters, at most 4,000 bytes in UTF-8, no control characters. */
export const messageTextSchema = z
  .string()
  .trim()
  .min(1, 'Message must not be empty')
  .max(MAX_MESSAGE_LENGTH, `Message must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine((text) => utf8Length(text) <= MAX_MESSAGE_BYTES, `Message must be at most ${MAX_MESSAGE_BYTES} bytes in UTF-8`)
  .refine((text) => !NOT_TEXT.test(text), 'Message must not contain control characters (other than tab and line breaks) or unpaired surrogates');

export const messagePayloadSchema = z.strictObject({
  id: z.string(),
  from: z.string(),
  message: z.string(),
  /** Epoch milliseconds. */
  sentAt: z.number(),
});

export const roomMessagePayloadSchema = messagePayloadSchema.extend({ room: z.string() });

/** A member of a room came online (their first socket anywhere) or went offline (their last one closed). */
export const presenceChangedSchema = z.strictObject({ room: z.string(), userId: z.string(), online: z.boolean() });

/**
 * To every tab of a user (their room `user:{id}`): they joined (`member: true`) or left `room`,
 * from any tab or server-side (`enterRoom` / `exitRoom`), so open tabs show or drop it live.
 */
export const membershipChangedSchema = z.strictObject({ room: z.string(), member: z.boolean() });

/** Server → client events: name → payload schema. */
export const serverEvents = {
  notification: messagePayloadSchema,
  'room:message': roomMessagePayloadSchema,
  announcement: messagePayloadSchema,
  'presence:changed': presenceChangedSchema,
  'membership:changed': membershipChangedSchema,
} as const satisfies Record<string, z.ZodType>;

export type ServerEventName = keyof typeof serverEvents;
export type EventPayload<E extends ServerEventName> = z.infer<(typeof serverEvents)[E]>;
export type MessagePayload = EventPayload<'notification'>;
export type RoomMessagePayload = EventPayload<'room:message'>;
export type PresenceChange = EventPayload<'presence:changed'>;
export type MembershipChange = EventPayload<'membership:changed'>;

/** Server → client events in Socket.IO's typed event map form. */
export type ServerToClientEvents = { [E in ServerEventName]: (payload: EventPayload<E>) => void };

/**
 * The replay protocol's one event (README, "Replay protocol"): sent once per connection,
 * after any replayed events, with where the client stands in the event log.
 */
export interface SyncInfo {
  epoch: string;
  /** Resume from here on the next connect (`auth.resume = { epoch, position }`). */
  position: string;
  /** How many missed events were replayed before this. */
  replayed: number;
  /** True when missed events could not be replayed: refetch what you show. */
  resync: boolean;
}

/**
 * "To others": the HTTP header in which a tab sends its socket id along with its calls, so a
 * procedure can emit to everyone except the tab that caused the event (`{ exceptSocketId }`).
 */
export const SOCKET_ID_HEADER = 'x-socket-id';

const SOCKET_ID = /^[\w-]{1,64}$/;

/**
 * The socket id a request claims in `SOCKET_ID_HEADER`, or undefined when there is none or it
 * does not look like one (at most 64 letters, digits, `_` and `-`; Socket.IO's own are 20).
 * It is the caller's claim: `isSocketOf` (socket-owner.ts) decides whether it is really theirs.
 */
export function parseSocketId(value: unknown): string | undefined {
  return typeof value === 'string' && SOCKET_ID.test(value) ? value : undefined;
}

/** Client → server events: none. The gateway is one-way. */
export type ClientToServerEvents = Record<string, never>;

/** Runtime list of the event names, for code that validates names it did not type. */
export const SERVER_EVENT_NAMES = Object.keys(serverEvents) as ServerEventName[];

export function isServerEventName(name: unknown): name is ServerEventName {
  return typeof name === 'string' && Object.hasOwn(serverEvents, name);
}

/** Checks `data` against the event's schema; throws a TypeError naming the event and the problem. */
export function assertEventPayload<E extends ServerEventName>(event: E, data: unknown): asserts data is EventPayload<E> {
  if (!isServerEventName(event)) throw new TypeError(`Unknown event ${JSON.stringify(event)}`);
  const result = serverEvents[event].safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
    throw new TypeError(`Payload of "${event}" does not match its schema: ${problems.join('; ')}`);
  }
}
