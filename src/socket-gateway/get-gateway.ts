/**
 * getGateway: the running gateway of this process, for code that cannot be handed the
 * `createSocketGateway` result, above all the code Next bundles (tRPC procedures, route
 * handlers): it gets its own copy of every module, so it finds the running parts through the
 * process's one holder (registry.ts). Lazy: nothing is resolved until a call, and a call with no
 * gateway running says what to do.
 */
import { SocketGateway } from './gateway';

// merge: getGateway<E extends EventMap>() once SocketGateway is generic over the app's events (event-map.ts)
let lazy: SocketGateway | undefined;

export function getGateway(): SocketGateway {
  return (lazy ??= new SocketGateway());
}
