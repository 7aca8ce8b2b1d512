/** The app's event map: what the library accepts as schemas, what it refuses, and how it checks payloads. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { assertEventMap, libraryEvents, validateEventPayload, type StandardSchemaV1 } from 'socket-gateway/advanced';
import { createRoomPolicy, defaultRoomPolicy } from 'socket-gateway/advanced';
import { events as demoEvents } from '@/events';

/** A Standard Schema that answers asynchronously (some libraries do, for refinements that look things up). */
const asyncSchema: StandardSchemaV1<{ n: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) => {
      await Promise.resolve();
      return typeof (value as { n?: unknown })?.n === 'number'
        ? { value: value as { n: number } }
        : { issues: [{ message: 'n must be a number', path: [{ key: 'n' }] }] };
    },
  },
};

describe('assertEventMap', () => {
  it('accepts zod 4, zod 3 and any Standard Schema', () => {
    const events = { 'invoice:paid': z.object({ id: z.string() }), legacy: z3.object({ id: z3.string() }), slow: asyncSchema };
    expect(assertEventMap(events)).toBe(events);
    expect(assertEventMap(demoEvents)).toBe(demoEvents);
  });

  it.each(Object.keys(libraryEvents))('refuses the library event name %s', (name) => {
    expect(() => assertEventMap({ [name]: z.object({}) })).toThrow(
      new TypeError(`Event name "${name}" is reserved by socket-gateway (its own events: gateway:sync, presence:changed, membership:changed)`),
    );
  });

  it.each(['connect', 'disconnect', 'connect_error'])('refuses the Socket.IO name %s', (name) => {
    expect(() => assertEventMap({ [name]: z.object({}) })).toThrow(/reserved by Socket.IO/);
  });

  it.each([
    ['a plain object', { type: 'object' }, 'an object without "~standard"'],
    ['null', null, 'null'],
    ['a string', 'string', 'string'],
    ['a wrong version', { '~standard': { version: 2, validate: () => ({ value: 1 }) } }, 'an object without "~standard"'],
  ])('refuses %s as a schema, naming the event', (_label, schema, got) => {
    expect(() => assertEventMap({ 'thing:done': schema } as never)).toThrow(
      new TypeError(`Event "thing:done" needs a Standard Schema (https://standardschema.dev: zod 3.24+, zod 4, valibot, …), got ${got}`),
    );
  });

  it('refuses what is not a map, and an empty name', () => {
    expect(() => assertEventMap(null as never)).toThrow(/events must be an object/);
    expect(() => assertEventMap([] as never)).toThrow(/events must be an object/);
    expect(() => assertEventMap({ '': z.object({}) })).toThrow(/must be 1-100 characters/);
  });
});

describe('validateEventPayload', () => {
  const events = {
    'invoice:paid': z.strictObject({ id: z.string(), lines: z.array(z.object({ cents: z.number() })) }),
    legacy: z3.object({ id: z3.string() }),
    slow: asyncSchema,
  };

  it('passes a valid payload synchronously when the schema is synchronous', () => {
    expect(validateEventPayload(events, 'invoice:paid', { id: 'i', lines: [{ cents: 1 }] })).toBeUndefined();
    expect(validateEventPayload(events, 'legacy', { id: 'i' })).toBeUndefined();
  });

  it("throws a TypeError naming the event and each issue's path", () => {
    expect(() => validateEventPayload(events, 'invoice:paid', { id: 1, lines: [{ cents: 'x' }] })).toThrow(
      /^Payload of "invoice:paid" does not match its schema: id: .+; lines\.0\.cents: .+$/,
    );
    expect(() => validateEventPayload(events, 'legacy', {})).toThrow(/^Payload of "legacy" does not match its schema: id: /);
  });

  it('waits for a schema that validates asynchronously, and rejects the same way', async () => {
    await expect(validateEventPayload(events, 'slow', { n: 1 })).resolves.toBeUndefined();
    await expect(validateEventPayload(events, 'slow', { n: 'one' })).rejects.toThrow(
      new TypeError('Payload of "slow" does not match its schema: n: n must be a number'),
    );
  });

  it("refuses an unknown event, and checks the library's own events with the library's schemas", () => {
    expect(() => validateEventPayload(events, 'nope', {})).toThrow(new TypeError('Unknown event "nope"'));
    expect(validateEventPayload(events, 'membership:changed', { room: 'r', member: true })).toBeUndefined();
    expect(() => validateEventPayload(events, 'membership:changed', { room: 'r', member: 'yes', extra: 1 })).toThrow(
      'Payload of "membership:changed" does not match its schema: member: Expected boolean; extra: Unrecognized key',
    );
    expect(() => validateEventPayload(events, 'presence:changed', null)).toThrow(/Expected an object/);
  });
});

describe('createRoomPolicy', () => {
  it("keeps today's rules for what it is not given", () => {
    const policy = createRoomPolicy({ canPost: () => true });
    expect(policy.canJoin).toBe(defaultRoomPolicy.canJoin);
    expect(policy.canRead).toBe(defaultRoomPolicy.canRead);
    expect(policy.personalRoom('bob')).toBe('user:bob');
    expect(policy.canPost({ id: 'bob' }, 'lobby', false)).toBe(true);
  });

  it('refuses a personal room name outside the reserved prefix: it would be an app room anyone could join', () => {
    const policy = createRoomPolicy({ personalRoom: (id) => `people-${id}` });
    expect(() => policy.personalRoom('bob')).toThrow(new TypeError('rooms.personalRoom must return a name starting with "user:", got "people-bob"'));
    expect(() => createRoomPolicy({ personalRoom: () => 'user:' }).personalRoom('bob')).toThrow(/must return a name/);
    expect(createRoomPolicy({ personalRoom: (id) => `user:acme:${id}` }).personalRoom('bob')).toBe('user:acme:bob');
  });

  it('refuses a rule that is not a function, and leaves the rest of a `rooms` option (caps, lengths) alone', () => {
    expect(() => createRoomPolicy({ canJoin: true as never })).toThrow(new TypeError('rooms.canJoin must be a function'));
    expect(createRoomPolicy({ maxPerUser: 50, historyLimit: 100 } as never).personalRoom('bob')).toBe('user:bob');
  });
});
