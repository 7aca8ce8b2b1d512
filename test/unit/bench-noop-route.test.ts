/** /api/bench-noop, the HTTP benchmark's baseline: 204 only with BENCH_NOOP_ROUTE=1, otherwise 404 as if absent. */
import { afterEach, describe, expect, it } from 'vitest';
import { GET, POST } from '@/app/api/bench-noop/route';
import { parseEnv, resetEnv } from '@/env';

describe('bench no-op route', () => {
  afterEach(() => {
    delete process.env.BENCH_NOOP_ROUTE;
    resetEnv();
  });

  it('is off (404) unless BENCH_NOOP_ROUTE=1', async () => {
    for (const value of [undefined, '0']) {
      if (value === undefined) delete process.env.BENCH_NOOP_ROUTE;
      else process.env.BENCH_NOOP_ROUTE = value;
      resetEnv();
      expect(GET().status).toBe(404);
      expect(POST().status).toBe(404);
    }
  });

  it('answers 204 with no body when on', async () => {
    process.env.BENCH_NOOP_ROUTE = '1';
    resetEnv();
    for (const response of [GET(), POST()]) {
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
  });

  it('refuses any other value of BENCH_NOOP_ROUTE', () => {
    expect(parseEnv({}).benchNoopRoute).toBe(false);
    expect(parseEnv({ BENCH_NOOP_ROUTE: '1' }).benchNoopRoute).toBe(true);
    expect(() => parseEnv({ BENCH_NOOP_ROUTE: 'yes' })).toThrow(/BENCH_NOOP_ROUTE must be 1 \(on\) or 0 \(off\)/);
  });
});
