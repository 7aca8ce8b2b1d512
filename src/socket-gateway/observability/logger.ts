/**
 * The gateway's structured log. The app injects its own (the `logger` option: any
 * pino-compatible logger, `GatewayLogger`); without one the gateway logs through a default
 * pino: one JSON object per line at `info`, one readable line (`12:00:00.000 INFO  message
 * key=value …`) when NODE_ENV is development, nothing when NODE_ENV is test. No other setting
 * is read. `getLogger()` answers the running gateway's logger (registry.ts), so code Next
 * bundles logs through the same one.
 *
 * Never logged: tokens, cookies, secrets, passwords, Authorization headers. Callers pass none;
 * `redact` censors them anyway should one slip into a logged object.
 * @see https://getpino.io/#/docs/api
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { findGatewayRuntime } from '../registry';

export type { Logger } from 'pino';

type LogMethod = (fields: object, message?: string) => void;
/** What the gateway logs through: pino's shape (`logger.info({ event }, 'message')`). pino, or anything with these four methods. */
export interface GatewayLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

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

let fallback: GatewayLogger | undefined;

/**
 * The running gateway's logger (its `logger` option), or the default one: `info` as JSON lines,
 * readable lines in development, silent in tests (NODE_ENV only; no other setting is read).
 */
export function getLogger(): GatewayLogger {
  const injected = findGatewayRuntime()?.logger;
  if (injected) return injected;
  return (fallback ??= createLogger({
    level: process.env.NODE_ENV === 'test' ? 'silent' : 'info',
    readable: process.env.NODE_ENV === 'development',
  }));
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
