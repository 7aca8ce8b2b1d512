import type { LogEntry } from './event-log';

/**
 * How a live subscription (`EventLog.subscribe`) says that it cannot continue exactly after the
 * last entry it delivered. It is passed to the subscription's `onError` BEFORE anything further is
 * delivered; delivery then goes on with the entries after `position` in `epoch`.
 *
 * - `reset`: the log was reset (Redis flushed, or restarted without persistence): every position the
 *   caller holds is void. Delivery continues with the new epoch's entries from its start.
 * - `gap`: entries after the subscription's position were trimmed before it could read them (it fell
 *   behind the retention), or its starting position was never part of this log (forged, or from
 *   another epoch). Delivery continues with the entries still there.
 *
 * Either way the caller's clients must refetch: whoever was following the log through this
 * subscription has missed something. Any other error passed to `onError` is transient (a lost
 * connection); the subscription retries on its own and loses nothing.
 */
export class EventLogResyncError extends Error {
  override readonly name = 'EventLogResyncError';

  constructor(
    readonly reason: 'reset' | 'gap',
    /** The epoch delivery continues in. */
    readonly epoch: string,
    /** Delivery continues with the entries after this position (of `epoch`). */
    readonly position: string,
    /** For a reset: the epoch that was lost. */
    readonly previousEpoch?: string,
  ) {
    super(
      reason === 'reset'
        ? `event log reset: epoch ${previousEpoch ?? '?'} is gone, continuing in ${epoch} after ${position}`
        : `event log gap: entries were trimmed or never existed, continuing in ${epoch} after ${position}`,
    );
  }
}

/**
 * Calls a subscriber so that a throwing one never fails the append (the entry is stored) nor the
 * other subscribers: the error goes to its `onError`, or, without one, is rethrown on its own.
 */
export function guardedSubscriber(onEntries: (entries: LogEntry[]) => void, onError?: (error: Error) => void) {
  return (entries: LogEntry[]) => {
    try {
      onEntries(entries);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (onError) onError(failure);
      else
        queueMicrotask(() => {
          throw failure;
        });
    }
  };
}
