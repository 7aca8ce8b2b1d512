/**
 * getGateway: the running gateway of this process, for code that cannot be handed the
 * `createSocketGateway` result, above all the code Next bundles (tRPC procedures, route
 * handlers): it gets its own copy of every module, so it finds the running parts through the
 * process's one holder (process-holder.ts). Lazy: nothing is resolved until a call, and a call
 * with no gateway running says what to do.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import type { EventMap } from './event-map';
import { SocketGateway } from './gateway';
import type { RoomUser } from './rooms';

let lazy: SocketGateway | undefined;

/** Typed by the app's events (and the user type its room policy reads): `getGateway<typeof events>()`. */
export function getGateway<E extends EventMap = EventMap, U extends RoomUser = RoomUser>(): SocketGateway<E, U> {
  return (lazy ??= new SocketGateway()) as unknown as SocketGateway<E, U>;
}
