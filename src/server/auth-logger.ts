/**
 * next-auth's logger (authOptions.logger). The default one prints a ~1.5 KB stack trace for
 * every request with a garbage session cookie: anyone could flood the log without an account.
 * This one writes one line per event, `[next-auth][error] CODE: message`, and only the first
 * of its kind per window (`windowMs`, per level and code): the next one after the window says
 * how many were left out. Across all kinds at most `maxLinesPerWindow` lines are written per
 * window. Debug output is dropped (next-auth only debugs with `debug: true`).
 */
import type { LoggerInstance } from 'next-auth';
import { getLogger } from 'socket-gateway/advanced';
import { appSlot } from './process-holder';

export interface AuthLoggerOptions {
  write?: (line: string) => void;
  windowMs?: number;
  maxLinesPerWindow?: number;
  now?: () => number;
}

const MAX_MESSAGE = 200;
const MAX_KINDS = 1000;

function messageOf(metadata: unknown): string {
  const error = metadata instanceof Error ? metadata : (metadata as { error?: unknown } | undefined)?.error;
  const text = error instanceof Error ? error.message : String((metadata as { message?: unknown } | undefined)?.message ?? '');
  // One line, whatever the message holds.
  const flat = text.replace(/\p{Cc}+/gu, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

function codeOf(code: unknown): string {
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'UNKNOWN';
}

export function createAuthLogger(options: AuthLoggerOptions = {}): LoggerInstance {
  const { write = (line: string) => getLogger().warn({ event: 'auth' }, line), windowMs = 60_000, maxLinesPerWindow = 20, now = Date.now } = options;
  /** Per level+code: until when further lines are left out, and how many were. */
  const kinds = new Map<string, { until: number; suppressed: number }>();
  let windowStart = 0;
  let linesInWindow = 0;
  let droppedOverBudget = 0;

  const log = (level: 'error' | 'warn', code: unknown, message: string) => {
    const at = now();
    const kind = `${level}:${codeOf(code)}`;
    const seen = kinds.get(kind);
    if (seen && at < seen.until) {
      seen.suppressed += 1;
      return;
    }
    if (at - windowStart >= windowMs) {
      windowStart = at;
      linesInWindow = 0;
    }
    if (linesInWindow >= maxLinesPerWindow) {
      droppedOverBudget += 1;
      return;
    }
    linesInWindow += 1;
    const notes = [
      seen?.suppressed ? `${seen.suppressed} more like it left out` : '',
      droppedOverBudget ? `${droppedOverBudget} other lines left out` : '',
    ].filter(Boolean);
    droppedOverBudget = 0;
    kinds.delete(kind);
    kinds.set(kind, { until: at + windowMs, suppressed: 0 });
    if (kinds.size > MAX_KINDS) kinds.delete(kinds.keys().next().value!);
    write(`[next-auth][${level}] ${codeOf(code)}${message ? `: ${message}` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  };

  return {
    error: (code, metadata) => log('error', code, messageOf(metadata)),
    warn: (code) => log('warn', code, ''),
    debug: () => {},
  };
}

const slot = appSlot<LoggerInstance>('authLogger');

/** The process's logger: Next bundles auth.ts into each route and page separately, and they share one window. */
export function sharedAuthLogger(): LoggerInstance {
  return slot.getOrCreate(createAuthLogger);
}
