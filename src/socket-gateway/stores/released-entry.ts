import type { LogEntry } from './event-log';

/**
 * What a dropped slot of an in-memory run of entries holds until the run is compacted: the entry's
 * payload is garbage at once, not at the next compaction. Never read: every walk starts past the
 * dropped slots. Used by the memory log and the replay window.
 */
export const RELEASED_ENTRY: LogEntry = Object.freeze<LogEntry>({ position: '0-0', at: 0, to: { kind: 'all' }, event: '', data: undefined });
