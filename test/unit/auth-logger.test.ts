import { describe, expect, it } from 'vitest';
import { createAuthLogger } from '@/server/auth-logger';

function logger(maxLinesPerWindow = 20) {
  const lines: string[] = [];
  let now = 0;
  const log = createAuthLogger({ write: (line) => lines.push(line), windowMs: 60_000, maxLinesPerWindow, now: () => now });
  return { log, lines, advance: (ms: number) => (now += ms) };
}

describe('next-auth logger', () => {
  it('writes one line per error, without the stack', () => {
    const { log, lines } = logger();
    const error = new Error('Invalid Compact JWE');
    log.error('JWT_SESSION_ERROR', error);
    expect(lines).toEqual(['[next-auth][error] JWT_SESSION_ERROR: Invalid Compact JWE']);
  });

  it('writes the first of a kind per window, then says how many were left out', () => {
    const { log, lines, advance } = logger();
    for (let i = 0; i < 500; i++) log.error('JWT_SESSION_ERROR', { error: new Error('bad'), message: 'bad' });
    expect(lines).toHaveLength(1);
    advance(60_000);
    log.error('JWT_SESSION_ERROR', new Error('bad'));
    expect(lines[1]).toBe('[next-auth][error] JWT_SESSION_ERROR: bad (499 more like it left out)');
  });

  it('keeps messages on one line and codes plain, and caps lines across kinds', () => {
    const { log, lines } = logger(3);
    log.error('CODE\nINJECTED', new Error('line one\nline two\r\n' + 'x'.repeat(500)));
    expect(lines[0]).toMatch(/^\[next-auth\]\[error\] UNKNOWN: line one line two x+…$/);
    expect(lines[0]!.length).toBeLessThan(260);
    for (let i = 0; i < 10; i++) log.error(`CODE_${i}`, new Error('e'));
    expect(lines).toHaveLength(3);
  });
});
