import { randomUUID } from 'node:crypto';
import { comparePositions, DEFAULT_EVENT_LOG_RETENTION, type EventLog, type EventLogRetention, type LogEntry } from '../event-log';

/** The event log in this process's memory (tests; lost on restart, so a restart means a new epoch). */
export function createMemoryEventLog(retention: EventLogRetention = DEFAULT_EVENT_LOG_RETENTION, now: () => number = Date.now): EventLog {
  const epoch = randomUUID();
  const entries: LogEntry[] = [];
  let seq = 0;
  let trimmedThrough = '0-0'; // the newest position ever trimmed
  const listeners = new Set<(entries: LogEntry[]) => void>();
  const head = () => entries.at(-1)?.position ?? `0-${seq}`;
  return {
    retention,
    async epoch() {
      return epoch;
    },
    async append(input) {
      seq += 1;
      const entry: LogEntry = { ...input, position: `0-${seq}`, at: now() };
      entries.push(entry);
      // The count bound holds at every append, as in the other backends (trim() applies the age window).
      if (entries.length > retention.maxEntries) trimmedThrough = entries.splice(0, entries.length - retention.maxEntries).at(-1)!.position;
      for (const listener of listeners) listener([entry]);
      return entry;
    },
    async head() {
      return head();
    },
    async readRange(after, until, limit) {
      if (comparePositions(after, trimmedThrough) < 0 || comparePositions(after, head()) > 0) return 'gap';
      const out: LogEntry[] = [];
      for (const entry of entries) {
        if (out.length >= limit) break;
        if (comparePositions(entry.position, after) > 0 && comparePositions(entry.position, until) <= 0) out.push(entry);
      }
      return out;
    },
    subscribe(from, onEntries) {
      const backlog = entries.filter((entry) => comparePositions(entry.position, from) > 0);
      if (backlog.length) onEntries(backlog);
      listeners.add(onEntries);
      return {
        async stop() {
          listeners.delete(onEntries);
        },
      };
    },
    async trim() {
      const cutoff = now() - retention.retentionMs;
      let drop = 0;
      while (drop < entries.length && (entries[drop]!.at < cutoff || entries.length - drop > retention.maxEntries)) drop += 1;
      if (drop) trimmedThrough = entries[drop - 1]!.position;
      entries.splice(0, drop);
      return drop;
    },
  };
}
