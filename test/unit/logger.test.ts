/**
 * The structured log (src/socket-gateway/observability/logger.ts): JSON lines with a readable level,
 * sensitive fields censored wherever they sit, the one-line development format, and the
 * throttle that turns a flood of the same line into one line with a count.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, createThrottle, formatLine } from 'socket-gateway/advanced';

function capture(readable = false) {
  const lines: string[] = [];
  const logger = createLogger({ readable, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

describe('logger', () => {
  it('writes one JSON object per line, with the level as a word, time and pid', () => {
    const { logger, lines } = capture();
    logger.info({ event: 'handshake_refused', reason: 'Unauthorized' }, 'handshake refused: Unauthorized');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      pid: process.pid,
      event: 'handshake_refused',
      reason: 'Unauthorized',
      msg: 'handshake refused: Unauthorized',
    });
    expect(typeof JSON.parse(lines[0]!).time).toBe('number');
  });

  it('censors tokens, cookies, secrets, passwords and Authorization headers', () => {
    const { logger, lines } = capture();
    logger.info(
      { token: 'tok-1', secret: 'sec-1', password: 'pw-1', auth: { token: 'tok-2' }, headers: { cookie: 'ck-1', authorization: 'Bearer au-1' } },
      'x',
    );
    const text = lines.join('');
    for (const value of ['tok-1', 'tok-2', 'sec-1', 'pw-1', 'ck-1', 'au-1']) expect(text).not.toContain(value);
    expect(text).toContain('[redacted]');
  });

  it('development: one readable line, time, level, message, then key=value', () => {
    const { logger, lines } = capture(true);
    logger.warn({ event: 'slow_consumer_cut', reason: 'backlog', detail: 'two words' }, 'slow consumer cut');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}slow consumer cut event=slow_consumer_cut reason=backlog detail="two words"\n$/);
    expect(formatLine({ level: 30, time: 0, msg: 'hi', pid: 1 })).toBe('00:00:00.000 INFO  hi');
  });

  it('throttles: one line per key per window, the next one says how many were left out', () => {
    let now = 0;
    const throttle = createThrottle(1000, () => now);
    const logged: Array<[string, number]> = [];
    for (let i = 0; i < 5; i++) throttle('a', (suppressed) => logged.push(['a', suppressed]));
    throttle('b', (suppressed) => logged.push(['b', suppressed]));
    now = 1000;
    throttle('a', (suppressed) => logged.push(['a', suppressed]));
    expect(logged).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 4],
    ]);
  });
});
