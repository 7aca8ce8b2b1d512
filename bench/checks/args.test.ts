/** `npm run bench` flags: the defaults, and strict errors instead of silently odd runs. */
import { describe, expect, it } from 'vitest';
import { MAIN_SERVERS, VARIANT_SERVERS } from '../harness';
import { UsageError, parseBenchArgs } from '../lib/args';

const parse = (line: string) => parseBenchArgs(line.split(' ').filter(Boolean));
const options = (line: string) => {
  const parsed = parse(line);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
};

describe('bench arguments', () => {
  it('quick mode by default; --full widens sizes and adds the variants', () => {
    expect(options('')).toMatchObject({
      mode: 'quick',
      sizes: [1000],
      repeats: 3,
      rounds: 30,
      warmupRounds: 5,
      concurrency: 200,
      variants: [],
      servers: MAIN_SERVERS.filter((s) => s.kind === 'sio' || s.kind === 'gateway'),
    });
    expect(options('')).toMatchObject({ parts: expect.arrayContaining(['http']), rebuild: false, profile: false });
    expect(options('--full')).toMatchObject({
      mode: 'full',
      sizes: [1000, 5000, 10_000],
      variants: VARIANT_SERVERS,
      variantSizes: [5000],
      servers: MAIN_SERVERS,
    });
    expect(options('--full --no-variants').variants).toEqual([]);
  });

  it('--smoke is the tiny run the smoke tests start: every default shrunk, explicit flags still win', () => {
    expect(options('--smoke')).toMatchObject({
      mode: 'smoke',
      sizes: [20],
      repeats: 1,
      warmupRounds: 1,
      rounds: 3,
      userBursts: 1,
      concurrency: 10,
      variants: [],
      variantSizes: [20],
    });
    expect(options('--smoke --sizes 50 --rounds 5 --variants')).toMatchObject({ sizes: [50], rounds: 5, variants: VARIANT_SERVERS, variantSizes: [20] });
    expect(options('--smoke --no-sweep --parts storm')).toMatchObject({ mode: 'smoke', sizes: [], parts: ['storm'] });
  });

  it('reads values, inline or separate, with _ separators', () => {
    expect(options('--sizes 1_000,5000 --repeats=2 --warmup 0 --servers gateway,ws --no-e2e --no-write')).toMatchObject({
      sizes: [1000, 5000],
      repeats: 2,
      warmupRounds: 0,
      servers: MAIN_SERVERS.filter((s) => s.kind === 'ws' || s.kind === 'gateway'),
      outDir: null,
    });
    expect(options('--no-e2e').parts).not.toContain('http');
    expect(options('--e2e-only')).toMatchObject({ sizes: [], variants: [], parts: ['http'] });
    expect(options('--http-profile --rebuild')).toMatchObject({ profile: true, rebuild: true });
    expect(parse('--help')).toBe('help');
  });

  it.each([
    ['--repeats x', /--repeats must be a whole number ≥ 1, got "x"/],
    ['--repeats 0', /--repeats must be a whole number ≥ 1/],
    ['--rounds 2.5', /--rounds must be a whole number/],
    ['--sizes 1000,', /--sizes must be a whole number ≥ 1, got ""/],
    ['--repeats', /argument missing/],
    ['--repeat 3', /Unknown option '--repeat'/],
    ['--full yes', /Unexpected argument 'yes'/],
    ['--servers ws,socketio', /unknown kind "socketio"/],
    ['--e2e-only --no-e2e', /would run nothing/],
    ['--e2e-only --parts http', /already chooses the parts/],
    ['--e2e-calls 500', /Unknown option '--e2e-calls'/],
    ['--full --smoke', /--full and --smoke contradict each other/],
  ])('%s is refused', (line, message) => {
    expect(() => parse(line)).toThrow(UsageError);
    expect(() => parse(line)).toThrow(message);
  });
});
