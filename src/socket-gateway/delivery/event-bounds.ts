/**
 * What every emit must satisfy before it gets a place in the event log, whatever its event and
 * whichever path it takes (the server's gateway, a worker's emitter, `npm run emit`): checked in
 * `SocketGateway` (gateway.ts), which all of them go through.
 *
 * - Size: the payload's JSON, in UTF-8 bytes, is at most `maxEventBytes`. One event over a
 *   recipient's backlog cap (SOCKET_MAX_BACKLOG_BYTES, slow-consumers.ts) cut every recipient, and
 *   cut them again on every resume while the entry stayed in the log (a 1.2 MB event from a
 *   worker: red-team round 3, F7). So the bound is kept below that cap with room for the frame.
 * - Room: a payload sent to a room that names a room (a `room` field, as a chat message's or
 *   `presence:changed` do) must name that room. A recipient shows the payload's room, so a chat
 *   message sent to `lobby` with `room: "staff-only"` showed lobby's members a message as if
 *   from staff-only. (Sent to a user or to everyone, server code may carry any room.)
 */
import { EVENT_FRAME_ALLOWANCE } from '../event-map';
import type { EventAddress } from '../stores/event-log';

export { EVENT_FRAME_ALLOWANCE };

/** Default largest payload, in bytes of JSON (UTF-8). */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

/** The size an event is judged by: its payload's JSON in UTF-8 bytes (0 for no payload). */
export function payloadBytes(data: unknown): number {
  const json = JSON.stringify(data);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/** An emit refused by these bounds. Nothing was stored or delivered. */
export class EventBoundsError extends TypeError {
  override name = 'EventBoundsError';
}

/** Throws a RangeError when `maxEventBytes` could let one event cut a recipient whose backlog cap is `maxBacklogBytes`. */
export function assertEventLimitFits(maxEventBytes: number, maxBacklogBytes: number): void {
  if (!Number.isSafeInteger(maxEventBytes) || maxEventBytes < 1)
    throw new RangeError(`maxEventBytes must be a whole number of at least 1, got ${maxEventBytes}`);
  if (maxEventBytes + EVENT_FRAME_ALLOWANCE > maxBacklogBytes) {
    throw new RangeError(
      `maxEventBytes (${maxEventBytes}) plus ${EVENT_FRAME_ALLOWANCE} bytes of framing must not exceed maxBacklogBytes (${maxBacklogBytes}): one event would cut every recipient`,
    );
  }
}

/**
 * Throws an EventBoundsError naming the event and the problem when the emit breaks a bound above.
 * Returns the payload's JSON (undefined for no payload), which the size was judged by: the log
 * stores that string instead of serialising the payload again (one JSON.stringify per emit, not two).
 */
export function assertEventBounds(to: EventAddress, event: string, data: unknown, maxEventBytes: number): string | undefined {
  const json = JSON.stringify(data) as string | undefined;
  const bytes = json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
  if (bytes > maxEventBytes) {
    throw new EventBoundsError(
      `Payload of "${event}" is ${bytes} bytes of JSON, over the limit of ${maxEventBytes} bytes: send a reference to the data instead`,
    );
  }
  if (to.kind === 'room' && typeof data === 'object' && data !== null && Object.hasOwn(data, 'room')) {
    const room = (data as { room: unknown }).room;
    if (room !== to.room) {
      throw new EventBoundsError(
        `Payload of "${event}" names room ${JSON.stringify(room)} but is sent to room ${JSON.stringify(to.room)}: a payload sent to a room must name that room`,
      );
    }
  }
  return json;
}
