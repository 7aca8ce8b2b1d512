/**
 * The event contract between server and browser, generic over the app's own events.
 *
 * An app passes its `events`: event name → a Standard Schema of the payload (zod 3.24+, zod 4,
 * Valibot, …). Emits, the emitter and the React hooks are typed from that map; in development
 * and tests every emit is checked against its schema. The library's own events (`gateway:sync`,
 * `presence:changed`, `membership:changed`) are typed and checked by the library, and an app
 * map may not use their names.
 */
import type { StandardSchemaV1 } from './standard-schema';

export type { StandardSchemaV1 } from './standard-schema';

/** An app's events: name → schema of the payload. */
export type EventMap = Record<string, StandardSchemaV1>;

/** The names of a map's events. */
export type EventName<E extends EventMap> = keyof E & string;

/** What a listener receives for event `K`: its schema's output type. */
export type EventPayload<E extends EventMap, K extends keyof E> = StandardSchemaV1.InferOutput<E[K]>;

/**
 * What an emit of event `K` takes: its schema's input type. (The payload is sent as given; the
 * schema checks it. Keep payload schemas free of transforms, so input and output agree.)
 */
export type EmitPayload<E extends EventMap, K extends keyof E> = StandardSchemaV1.InferInput<E[K]>;

/**
 * Bytes a delivered event takes beyond its payload: the Socket.IO packet (`42["<event>",<payload>,"<position>"]`),
 * the event name and the log position. An event's payload bound plus this must fit in a socket's
 * backlog cap, so one event alone never cuts a recipient (event-bounds.ts).
 */
export const EVENT_FRAME_ALLOWANCE = 1024;

/**
 * The replay protocol's one event (docs/replay-protocol.md): sent once per connection,
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

/** A member of a room came online (their first socket anywhere) or went offline (their last one closed). */
export interface PresenceChange {
  room: string;
  userId: string;
  online: boolean;
}

/**
 * To every tab of a user (their personal room): they joined (`member: true`) or left `room`,
 * from any tab or server-side (`enterRoom` / `exitRoom`), so open tabs show or drop it live.
 */
export interface MembershipChange {
  room: string;
  member: boolean;
}

type Check = (value: Record<string, unknown>) => StandardSchemaV1.Issue[];

/** A Standard Schema of a plain object whose fields `check` inspects (the library's own events need no schema library). */
function objectSchema<T>(fields: Record<string, 'string' | 'number' | 'boolean'>, extra: Check = () => []): StandardSchemaV1<T> {
  const names = Object.keys(fields);
  return {
    '~standard': {
      version: 1,
      vendor: 'socket-gateway',
      validate(value) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return { issues: [{ message: 'Expected an object' }] };
        const record = value as Record<string, unknown>;
        const issues: StandardSchemaV1.Issue[] = [];
        for (const name of names) {
          if (typeof record[name] !== fields[name]) issues.push({ message: `Expected ${fields[name]}`, path: [name] });
        }
        for (const key of Object.keys(record)) if (!Object.hasOwn(fields, key)) issues.push({ message: 'Unrecognized key', path: [key] });
        issues.push(...extra(record));
        return issues.length ? { issues } : { value: value as T };
      },
    },
  };
}

export const SYNC_EVENT = 'gateway:sync';
export const PRESENCE_EVENT = 'presence:changed';
export const MEMBERSHIP_EVENT = 'membership:changed';

/** The library's own events: what the library itself emits (name → schema). */
export const libraryEvents = {
  [SYNC_EVENT]: objectSchema<SyncInfo>({ epoch: 'string', position: 'string', replayed: 'number', resync: 'boolean' }),
  [PRESENCE_EVENT]: objectSchema<PresenceChange>({ room: 'string', userId: 'string', online: 'boolean' }),
  [MEMBERSHIP_EVENT]: objectSchema<MembershipChange>({ room: 'string', member: 'boolean' }),
} as const;

/** The library's own events, typed by the library. */
export type LibraryEvents = typeof libraryEvents;

/** What a browser tab can receive: the app's events and the library's. */
export type ClientEvents<E extends EventMap> = Omit<E, keyof LibraryEvents> & LibraryEvents;

/** Server → client events in Socket.IO's typed event map form. */
export type ServerToClientEvents<E extends EventMap = EventMap> = {
  [K in keyof ClientEvents<E> & string]: (payload: EventPayload<ClientEvents<E>, K>) => void;
};

/** Client → server events: none. The gateway is one-way. */
export type ClientToServerEvents = Record<string, never>;

/** Socket.IO's own event names: an app event may not take one (a listener would see Socket.IO's, not the app's). */
const SOCKET_IO_RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

export function isLibraryEventName(name: unknown): name is keyof LibraryEvents {
  return typeof name === 'string' && Object.hasOwn(libraryEvents, name);
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as Partial<StandardSchemaV1>)['~standard'];
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function';
}

/**
 * Checks an app's event map: a plain object of Standard Schemas, no name the library or Socket.IO
 * reserves. Throws a TypeError naming the problem; returns the map, so `defineEvents`-style use works.
 */
export function assertEventMap<E extends EventMap>(events: E): E {
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw new TypeError('events must be an object: event name → Standard Schema of its payload (zod, valibot, …)');
  }
  for (const [name, schema] of Object.entries(events)) {
    if (name.length === 0 || name.length > 100) throw new TypeError(`Event name ${JSON.stringify(name)} must be 1-100 characters`);
    if (isLibraryEventName(name))
      throw new TypeError(`Event name "${name}" is reserved by socket-gateway (its own events: ${Object.keys(libraryEvents).join(', ')})`);
    if (SOCKET_IO_RESERVED.includes(name)) throw new TypeError(`Event name "${name}" is reserved by Socket.IO`);
    if (!isStandardSchema(schema)) {
      throw new TypeError(`Event "${name}" needs a Standard Schema (https://standardschema.dev: zod 3.24+, zod 4, valibot, …), got ${describe(schema)}`);
    }
  }
  return events;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object without "~standard"' : typeof value;
}

/** The schema of `event` in the app's map or the library's, or undefined for an unknown name. */
export function findEventSchema(events: EventMap, event: string): StandardSchemaV1 | undefined {
  if (Object.hasOwn(events, event)) return events[event];
  return isLibraryEventName(event) ? libraryEvents[event] : undefined;
}

/** Whether `event` is an app event or one of the library's. */
export function isKnownEvent(events: EventMap, event: unknown): event is string {
  return typeof event === 'string' && findEventSchema(events, event) !== undefined;
}

/**
 * Checks `data` against `event`'s schema (the app's, or the library's for its own events); throws
 * a TypeError naming the event and each issue's path. Synchronous when the schema is; a schema that
 * validates asynchronously gives a promise that rejects the same way.
 */
export function validateEventPayload(events: EventMap, event: string, data: unknown): void | Promise<void> {
  const schema = findEventSchema(events, event);
  if (!schema) throw new TypeError(`Unknown event ${JSON.stringify(event)}`);
  const result = schema['~standard'].validate(data);
  if (result instanceof Promise) return result.then((settled) => throwOnIssues(event, settled));
  throwOnIssues(event, result);
}

function throwOnIssues(event: string, result: StandardSchemaV1.Result<unknown>): void {
  if (!result.issues) return;
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
    return path.length ? `${path.join('.')}: ${issue.message}` : issue.message;
  });
  throw new TypeError(`Payload of "${event}" does not match its schema: ${problems.join('; ')}`);
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
