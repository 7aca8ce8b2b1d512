/**
 * The app's one process-global holder, as the library has its own (socket-gateway/process-holder.ts):
 * server.ts and the code Next bundles each get their own copy of every module, and `globalThis` is
 * what they share. Everything the app keeps process-wide lives in ONE object under
 * `Symbol.for('socket-gateway.app')`, one named slot each, rather than a symbol per module.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import { createProcessHolder } from 'socket-gateway/advanced';

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

/** One slot of the app's holder; `T` is its owner module's type (only the owner asks for it). */
export const appSlot = createProcessHolder<AppSlotName>('socket-gateway.app');
