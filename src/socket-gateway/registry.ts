/**
 * The one holder of the running Socket.IO server.
 *
 * server.ts and the code Next bundles (route handlers, tRPC procedures) each get their OWN
 * copy of every module, so a module-level variable set by server.ts is invisible to a tRPC
 * procedure. `globalThis` is shared by both, so the runtime lives there under a
 * `Symbol.for` key (the same symbol in every module copy).
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import type { MembershipStore } from './membership-store';
import type { RevocationStore } from './revocation-store';
import type { GatewayServer } from './types';

export interface SocketRuntime {
  io: GatewayServer;
  membership: MembershipStore;
  revocations: RevocationStore;
}

const RUNTIME_KEY = Symbol.for('socket-gateway.runtime');
type RuntimeHolder = { [RUNTIME_KEY]?: SocketRuntime };
const holder = globalThis as RuntimeHolder;

export function registerSocketRuntime(runtime: SocketRuntime): void {
  holder[RUNTIME_KEY] = runtime;
}

/** Removes `runtime` if it is the registered one (a later server may have replaced it). */
export function unregisterSocketRuntime(runtime: SocketRuntime): void {
  if (holder[RUNTIME_KEY] === runtime) delete holder[RUNTIME_KEY];
}

export function findSocketRuntime(): SocketRuntime | undefined {
  return holder[RUNTIME_KEY];
}

export function getSocketRuntime(): SocketRuntime {
  const runtime = holder[RUNTIME_KEY];
  if (!runtime) {
    throw new Error(
      'Socket gateway is not running in this process: no Socket.IO server was started. ' +
        'Start the app through server.ts (npm run dev / npm start), not `next dev` or `next start`; ' +
        'in tests, call createSocketServer() first.',
    );
  }
  return runtime;
}
