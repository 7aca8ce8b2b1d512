/**
 * The event contract between server and browser: the ONLY module both sides import.
 *
 * Add an event by adding one line to `ServerToClientEvents`; `gateway.emit*` and
 * `useSocketEvent` pick the new name and payload type up from here.
 */
import { z } from 'zod';

/** Longest message accepted by the procedures that emit (after trimming). */
export const MAX_MESSAGE_LENGTH = 2000;

/** A message text: trimmed, 1–2000 characters. */
export const messageTextSchema = z
  .string()
  .trim()
  .min(1, 'Message must not be empty')
  .max(MAX_MESSAGE_LENGTH, `Message must be at most ${MAX_MESSAGE_LENGTH} characters`);

export const messagePayloadSchema = z.strictObject({
  id: z.string(),
  from: z.string(),
  message: z.string(),
  /** Epoch milliseconds. */
  sentAt: z.number(),
});

export const roomMessagePayloadSchema = messagePayloadSchema.extend({ room: z.string() });

export type MessagePayload = z.infer<typeof messagePayloadSchema>;
export type RoomMessagePayload = z.infer<typeof roomMessagePayloadSchema>;

/** Server → client events. Socket.IO's typed event map form. */
export interface ServerToClientEvents {
  notification: (payload: MessagePayload) => void;
  'room:message': (payload: RoomMessagePayload) => void;
  announcement: (payload: MessagePayload) => void;
}

/** Client → server events: none. The gateway is one-way. */
export type ClientToServerEvents = Record<string, never>;

export type ServerEventName = keyof ServerToClientEvents;
export type EventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/** Runtime list of the event names, for code that validates names it did not type. */
export const SERVER_EVENT_NAMES = ['notification', 'room:message', 'announcement'] as const satisfies readonly ServerEventName[];
