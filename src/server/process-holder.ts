/**
 * The app's one process-global holder, as the library has its own (socket-gateway/process-holder.ts):
 * server.ts and the code Next bundles each get their own copy of every module, and `globalThis` is
 * what they share. Everything the app keeps process-wide lives in ONE object under
 * `Symbol.for('socket-gateway.app')`, one named slot each, rather than a symbol per module.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */

/** The slots, each owned (set and read) by one module. */
export type AppSlotName =
  /** src/env.ts: the parsed settings. */
  | 'env'
  /** lifecycle.ts: serving or draining. */
  | 'phase'
  /** auth-logger.ts: next-auth's logger (one throttle window for every bundle). */
  | 'authLogger'
  /** http/sign-in-throttle.ts: the throttle, and its store where no gateway runs. */
  | 'signInThrottle'
  | 'signInFallbackStore'
  /** event-streams.ts: the events subscription's streams (and, under `next start`, the Redis runtime). */
  | 'eventStreams';

export interface AppSlot<T> {
  get(): T | undefined;
  /** The slot's value, created by `create` on first use (by whichever module copy asks first). */
  getOrCreate(create: () => T): T;
  set(value: T): void;
  clear(): void;
}

const HOLDER_KEY = Symbol.for('socket-gateway.app');

function holder(): Partial<Record<AppSlotName, unknown>> {
  const global = globalThis as { [HOLDER_KEY]?: Partial<Record<AppSlotName, unknown>> };
  return (global[HOLDER_KEY] ??= {});
}

/** One slot of the app's holder; `T` is its owner module's type (only the owner asks for it). */
export function appSlot<T>(name: AppSlotName): AppSlot<T> {
  return {
    get: () => holder()[name] as T | undefined,
    getOrCreate: (create) => (holder()[name] ??= create()) as T,
    set(value) {
      holder()[name] = value;
    },
    clear() {
      delete holder()[name];
    },
  };
}
