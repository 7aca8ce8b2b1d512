/**
 * The process's structured log (pino): one JSON object per line in production, one readable
 * line (`12:00:00.000 INFO  message key=value …`) in development, nothing in tests unless
 * LOG_LEVEL asks. Shared through `globalThis` like the metrics (server.ts and the code Next
 * bundles log through the same instance).
 *
 * Never logged: tokens, cookies, secrets, passwords, Authorization headers. Callers pass none;
 * `redact` censors them anyway should one slip into a logged object.
 * @see https://getpino.io/#/docs/api
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { getEnv } from '@/env';
import { processSlot } from './process-holder';

export type { Logger } from 'pino';

const SENSITIVE = ['token', 'cookie', 'authorization', 'secret', 'password'];
export const REDACT_PATHS = [
  ...SENSITIVE,
  ...SENSITIVE.map((key) => `*.${key}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** A pino record as one readable line: time, level, message, then the other fields as key=value. */
export function formatLine(record: Record<string, unknown>): string {
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? String(record.level)) : String(record.level ?? '').toUpperCase();
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`);
  return [time, level.padEnd(5), String(record.msg ?? ''), ...fields].filter(Boolean).join(' ');
}

/** A destination that rewrites pino's JSON lines with `formatLine` before writing them. */
export function readableDestination(write: (text: string) => void): DestinationStream {
  return {
    write(line: string) {
      try {
        write(`${formatLine(JSON.parse(line) as Record<string, unknown>)}\n`);
      } catch {
        write(line);
      }
    },
  };
}

export interface LoggerOptions {
  level?: string;
  /** One readable line per record instead of JSON. */
  readable?: boolean;
  /**
   * Where lines go. Default: process.stdout (synchronous for files and pipes on Linux, so
   * nothing is lost on exit; a closed pipe's EPIPE is handled once, in server.ts).
   */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', readable = false } = options;
  const stdout: DestinationStream = options.destination ?? process.stdout;
  const destination = readable ? readableDestination((text) => stdout.write(text)) : stdout;
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: readable ? {} : { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

const slot = processSlot<Logger>('logger');

/** The process's logger: JSON in production, readable in development, silent in tests (LOG_LEVEL overrides). */
export function getLogger(): Logger {
  return slot.getOrCreate(() => {
    const env = getEnv();
    return createLogger({ level: env.logLevel, readable: env.nodeEnv === 'development' });
  });
}

/**
 * Logs at most one line per `key` per `windowMs`; the next one after the window carries
 * `suppressed`, how many were left out. A flood of refused handshakes is one line, not a flood.
 */
export function createThrottle(windowMs = 10_000, now: () => number = Date.now) {
  const seen = new Map<string, { until: number; suppressed: number }>();
  return (key: string, log: (suppressed: number) => void) => {
    const at = now();
    const entry = seen.get(key);
    if (entry && at < entry.until) {
      entry.suppressed += 1;
      return;
    }
    if (seen.size > 1000) seen.clear();
    seen.set(key, { until: at + windowMs, suppressed: 0 });
    log(entry?.suppressed ?? 0);
  };
}
