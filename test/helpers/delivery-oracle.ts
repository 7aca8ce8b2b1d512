/**
 * What each client should have received, for the suites that emit many events and then check
 * delivery exactly: every emit is recorded with its address, and a client's expected stream is
 * every recorded emit addressed to it (its user room, a room it is a member of, or everyone),
 * in the order they were emitted (one writer, awaiting each emit: that is the log's order).
 */
import type { AppEvents } from '@/events';
import type { GatewayEmitter } from 'socket-gateway/emitter';
import type { StoreTab } from './store-tab';

export type Address = { kind: 'user'; userId: string } | { kind: 'room'; room: string } | { kind: 'all' };

export interface Sent {
  id: string;
  to: Address;
}

/** Emits one event with `id` to `to` (notification, room:message or announcement by address). */
export function emitTo(emitter: GatewayEmitter<AppEvents>, to: Address, id: string): Promise<void> {
  const message = { id, from: 'writer', message: id, sentAt: Date.now() };
  if (to.kind === 'user') return emitter.emitToUser(to.userId, 'notification', message);
  if (to.kind === 'room') return emitter.emitToRoom(to.room, 'room:message', { ...message, room: to.room });
  return emitter.broadcast('announcement', message);
}

export function isAddressedTo(to: Address, userId: string, rooms: ReadonlySet<string>): boolean {
  return to.kind === 'all' || (to.kind === 'user' ? to.userId === userId : rooms.has(to.room));
}

/** The ids addressed to `userId` (member of `rooms`), in emit order. */
export function expectedFor(sent: readonly Sent[], userId: string, rooms: ReadonlySet<string>): string[] {
  return sent.filter((s) => isAddressedTo(s.to, userId, rooms)).map((s) => s.id);
}

/** The ids a tab received whose id starts with `prefix` (the writer's events), in arrival order. */
export function receivedIds(tab: StoreTab, prefix: string, from = 0): string[] {
  return tab.received
    .slice(from)
    .map((r) => r.data.id ?? '')
    .filter((id) => id.startsWith(prefix));
}

export interface DeliveryReport {
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Received but not addressed to this client (someone else's, or never sent). */
  foreign: number;
}

export function compareDelivery(expected: readonly string[], received: readonly string[]): DeliveryReport {
  const index = new Map(expected.map((id, i) => [id, i]));
  const seen = new Set<string>();
  let duplicated = 0;
  let foreign = 0;
  let outOfOrder = 0;
  let last = -1;
  for (const id of received) {
    const at = index.get(id);
    if (at === undefined) {
      foreign += 1;
      continue;
    }
    if (seen.has(id)) {
      duplicated += 1;
      continue;
    }
    seen.add(id);
    if (at < last) outOfOrder += 1;
    last = Math.max(last, at);
  }
  return { expected: expected.length, received: received.length, lost: expected.length - seen.size, duplicated, outOfOrder, foreign };
}
