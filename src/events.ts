/**
 * The demo's events: name → zod schema of the payload. The socket gateway is generic over this
 * map (`createSocketServer({ events })`, `createGatewayEmitter({ events })`, `createSocketHooks<AppEvents>()`):
 * emits and listeners are typed from it, and in development and tests every emit is checked
 * against it. Add an event by adding one entry to `events`.
 */
import { z } from 'zod';

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

/** The demo's server → client events (the gateway adds its own: gateway:sync, presence:changed, membership:changed). */
export const events = {
  notification: messagePayloadSchema,
  'room:message': roomMessagePayloadSchema,
  announcement: messagePayloadSchema,
};

export type AppEvents = typeof events;
export type AppEventName = keyof AppEvents;
export type MessagePayload = z.infer<typeof messagePayloadSchema>;
export type RoomMessagePayload = z.infer<typeof roomMessagePayloadSchema>;

/** The demo's event names, for code that validates names it did not type (scripts/emit.ts). */
export const APP_EVENT_NAMES = Object.keys(events) as AppEventName[];

export function isAppEventName(name: unknown): name is AppEventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
