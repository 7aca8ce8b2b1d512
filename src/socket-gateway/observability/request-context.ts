/**
 * The tracing hook: the tRPC request a piece of work runs for, carried through its async calls
 * (AsyncLocalStorage), so that every emit it causes logs the request's id and procedure
 * ("which mutation sent this?" is one grep for the id). The storage lives on `globalThis` (process-holder.ts):
 * tRPC runs in code Next bundles, the event log sink in server.ts's copy of the modules.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { processSlot } from '../process-holder';

export interface RequestContext {
  /** A random id per tRPC call. */
  requestId: string;
  /** The procedure, e.g. `chat.send`. */
  path: string;
}

const slot = processSlot<AsyncLocalStorage<RequestContext>>('requestContext');
const storage = () => slot.getOrCreate(() => new AsyncLocalStorage<RequestContext>());

/** Runs `fn` as part of the request `context`. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage().run(context, fn);
}

/** The request the current code runs for, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage().getStore();
}
