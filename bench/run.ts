/**
 * `npm run bench` — quick mode: N = 1,000, 3 interleaved repeats, plus the end-to-end part.
 * `npm run bench -- --full` — the full sweep: N = 1,000 / 5,000 / 10,000 and the variants.
 *
 * Flags: --full, --sizes 1000,5000, --repeats 3, --rounds 30, --warmup 5, --variants,
 *        --no-variants, --no-e2e, --e2e-calls 500, --rebuild (force a fresh Next build),
 *        --out <dir> (default bench/results), --no-write, --e2e-only, --concurrency 200,
 *        --servers ws,sio,gateway,trpc (a subset, by kind).
 */
import { resolve } from 'node:path';
import { MAIN_SERVERS, VARIANT_SERVERS, runBench, type BenchOptions } from './harness';
import { pinProcess } from './lib/child';

function parse(argv: string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const value = inline ?? (argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : true);
    flags.set(name, value);
  }
  const known = ['full', 'sizes', 'repeats', 'rounds', 'warmup', 'variants', 'no-variants', 'variant-sizes', 'no-e2e', 'e2e-calls', 'rebuild', 'out', 'no-write', 'concurrency', 'e2e-only', 'servers', 'help'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown flag --${name} (known: ${known.map((k) => `--${k}`).join(' ')})`);
  if (flags.has('help')) {
    console.log('usage: npm run bench [-- --full] [--sizes 1000,5000] [--repeats 3] [--rounds 30] [--warmup 5] [--variants] [--no-e2e] [--e2e-calls 500] [--rebuild] [--out dir] [--no-write] [--e2e-only]');
    process.exit(0);
  }
  const full = flags.has('full');
  const list = (name: string, fallback: number[]) => {
    const value = flags.get(name);
    return typeof value === 'string' ? value.split(',').map((v) => Number(v.replace(/_/g, ''))) : fallback;
  };
  const int = (name: string, fallback: number) => {
    const value = flags.get(name);
    return typeof value === 'string' ? Number(value) : fallback;
  };
  const variants = flags.has('no-variants') ? false : full || flags.has('variants');
  const e2eCalls = int('e2e-calls', 500);
  return {
    mode: full ? 'full' : 'quick',
    sizes: flags.has('e2e-only') ? [] : list('sizes', full ? [1000, 5000, 10_000] : [1000]),
    repeats: int('repeats', 3),
    warmupRounds: int('warmup', 5),
    rounds: int('rounds', 30),
    userBursts: 3,
    servers: typeof flags.get('servers') === 'string' ? MAIN_SERVERS.filter((s) => (flags.get('servers') as string).split(',').includes(s.kind)) : MAIN_SERVERS,
    variants: variants && !flags.has('e2e-only') ? VARIANT_SERVERS : [],
    variantSizes: list('variant-sizes', [full ? 5000 : 1000]),
    concurrency: int('concurrency', 200),
    e2e: flags.has('no-e2e') ? false : { calls: e2eCalls, concurrency: 50, warmup: 50, distDir: '.next-bench', rebuild: flags.has('rebuild') },
    outDir: flags.has('no-write') ? null : resolve(typeof flags.get('out') === 'string' ? (flags.get('out') as string) : 'bench/results'),
    log: (line) => console.log(line),
  };
}

const options = parse(process.argv.slice(2));
// The harness (and the e2e client socket) share core 1 with the load generator; core 0 is the server's.
pinProcess(process.pid, 1);
const started = Date.now();
await runBench(options, `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
