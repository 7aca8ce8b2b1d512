/**
 * Type tests (checked by `tsc --noEmit`, never run): the gateway, the emitter and the React hooks
 * are typed from the app's event map. Each `@ts-expect-error` line must fail to compile; if the
 * typing loosens, the directive is unused and tsc fails.
 */
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import type { EventPayload, SocketGateway } from 'socket-gateway';
import type { RoomHistoryItem, StandardSchemaV1 } from 'socket-gateway/advanced';
import { createGatewayEmitter } from 'socket-gateway/emitter';
import { createSocketHooks } from 'socket-gateway/react';
import type { AppEvents } from '@/events';

/** A schema of no library at all: Standard Schema is the only contract. */
const plainSchema: StandardSchemaV1<{ n: number }> = { '~standard': { version: 1, vendor: 'plain', validate: (value) => ({ value: value as { n: number } }) } };

const events = {
  'invoice:paid': z.strictObject({ id: z.string(), cents: z.number() }),
  'legacy:thing': z3.object({ name: z3.string() }),
  /** Input and output differ: the emit takes the input, a listener gets the output. */
  'job:done': z.object({ id: z.string(), tries: z.number().default(1) }),
  tick: plainSchema,
};
type Events = typeof events;

declare const gateway: SocketGateway<Events>;

export function gatewayIsTyped(): void {
  void gateway.emitToUser('u1', 'invoice:paid', { id: 'i', cents: 5 });
  void gateway.emitToRoom('lobby', 'legacy:thing', { name: 'x' });
  void gateway.broadcast('tick', { n: 1 });
  void gateway.emitToUser('u1', 'job:done', { id: 'j' }); // `tries` has a default: optional on input

  // @ts-expect-error an event the app does not have
  void gateway.emitToUser('u1', 'nope', {});
  // @ts-expect-error a wrong payload
  void gateway.emitToUser('u1', 'invoice:paid', { id: 'i', cents: '5' });
  // @ts-expect-error a missing field
  void gateway.broadcast('invoice:paid', { id: 'i' });
  // @ts-expect-error the library's own events are not the app's to emit
  void gateway.emitToUser('u1', 'presence:changed', { room: 'r', userId: 'u', online: true });
  // @ts-expect-error zod 3 schemas type too
  void gateway.emitToRoom('lobby', 'legacy:thing', { name: 1 });

  expectTypeOf(gateway.joinRoom('s', 'r')).toEqualTypeOf<Promise<void>>();
  expectTypeOf(gateway.leaveRoom('s', 'r')).toEqualTypeOf<Promise<void>>();
  expectTypeOf<EventPayload<Events, 'job:done'>>().toEqualTypeOf<{ id: string; tries: number }>();
  expectTypeOf<RoomHistoryItem<Events>>().toMatchTypeOf<{ seq: number; event: keyof Events }>();
}

export async function emitterIsTyped(): Promise<void> {
  const emitter = await createGatewayEmitter({ events, redisUrl: 'redis://localhost' });
  await emitter.emitToUser('u1', 'invoice:paid', { id: 'i', cents: 5 });
  // @ts-expect-error a wrong payload
  await emitter.emitToUser('u1', 'invoice:paid', { id: 1, cents: 5 });
  // @ts-expect-error an event the app does not have
  await emitter.broadcast('nope', {});
}

const hooks = createSocketHooks<Events>();

export function hooksAreTyped(): void {
  hooks.useSocketEvent('invoice:paid', (invoice) => expectTypeOf(invoice).toEqualTypeOf<{ id: string; cents: number }>());
  hooks.useSocketEvent('job:done', (job) => expectTypeOf(job.tries).toEqualTypeOf<number>());
  hooks.useSocketEvent('presence:changed', (change) => expectTypeOf(change).toEqualTypeOf<{ room: string; userId: string; online: boolean }>());
  hooks.useSocketEvent('membership:changed', (change) => expectTypeOf(change.member).toEqualTypeOf<boolean>());
  hooks.useSocketEvent('gateway:sync', (sync) => expectTypeOf(sync.resync).toEqualTypeOf<boolean>());
  hooks.useInvalidateOnEvent('invoice:paid', (invoice) => ({ queryKey: ['invoice', invoice.id] }));

  // @ts-expect-error an event the app does not have
  hooks.useSocketEvent('nope', () => {});
  // @ts-expect-error the handler's payload type follows the name
  hooks.useSocketEvent('invoice:paid', (invoice: { id: number }) => invoice);
  // @ts-expect-error the same for the invalidation hook
  hooks.useInvalidateOnEvent('nope', () => null);
}

/** The demo's own map: what its hooks and gateway are typed by. */
const demo = createSocketHooks<AppEvents>();
export function demoHooksAreTyped(): void {
  demo.useSocketEvent('room:message', (message) => expectTypeOf(message.room).toEqualTypeOf<string>());
  // @ts-expect-error not a demo event
  demo.useSocketEvent('invoice:paid', () => {});
}
