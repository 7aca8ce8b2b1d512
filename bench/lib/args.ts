/**
 * `npm run bench` arguments: parsed strictly, so a typo or a bad number stops the run with a
 * message instead of silently benchmarking something else (`--repeats x` used to run zero
 * trials). Every error is a UsageError; run.ts prints it with USAGE and exits 1.
 * @see https://nodejs.org/api/util.html#utilparseargsconfig
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAIN_SERVERS, VARIANT_SERVERS, type BenchOptions } from '../harness';
import { PARTS } from '../parts';
import type { PartName } from './part';

export const USAGE = `usage: npm run bench [-- flags]

  --full                     the full sweep: N = 1,000 / 5,000 / 10,000 and the Socket.IO variants
  --smoke                    tiny N to check that everything still runs (the smoke tests): sizes 20,
                             1 repeat, 1 warm-up + 3 rounds, 1 emitToUser burst, concurrency 10,
                             every part at its smoke size; numbers from it mean nothing
  --sizes 1000,5000          connection counts (default 1000; with --full 1000,5000,10000)
  --repeats 3                interleaved repeats of every size and server
  --rounds 30                measured fan-out rounds per trial
  --warmup 5                 unmeasured warm-up rounds per trial
  --servers ws,sio,gateway,trpc
                             a subset of the main servers, by kind (default: sio,gateway; with --full all four)
  --concurrency 200          connection attempts in flight at once
  --variants, --no-variants  run the Socket.IO tuning variants (default: only with --full)
  --variant-sizes 1000       sizes the variants run at (default 1000; with --full 5000)
  --parts ${PARTS.map((p) => p.name).join(',') || '(none registered)'}
                             the parts beyond the one-node sweep (default: all)
${PARTS.map((p) => `                               ${p.name.padEnd(9)}${p.summary}`).join('\n')}
  --no-parts                 only the one-node sweep
  --no-sweep                 skip the one-node sweep (e.g. --no-sweep --parts storm)
  --no-e2e                   skip the end-to-end part, the http part (it needs a Next build)
  --e2e-only                 only the end-to-end part: the same as --no-sweep --parts http
  --http-profile             the http part also profiles the server under load (always with --full)
  --rebuild                  force a fresh Next build for the http part
  --out bench/results        where the report goes (JSON, Markdown, SVG charts); bench/results/ is
                             git-ignored: copy what RESULTS.md cites to bench/published/
  --no-write                 do not write the JSON report
  --help                     this text

Numbers may use _ separators (10_000).`;

export class UsageError extends Error {}

const KINDS = MAIN_SERVERS.map((s) => s.kind);

function wholeNumber(flag: string, raw: string, min: number): number {
  const digits = raw.replace(/_/g, '');
  const value = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function numberList(flag: string, raw: string): number[] {
  return raw.split(',').map((item) => wholeNumber(flag, item, 1));
}

function serverKinds(raw: string): Set<string> {
  const kinds = new Set(raw.split(','));
  for (const kind of kinds) {
    if (!KINDS.includes(kind as (typeof KINDS)[number])) {
      throw new UsageError(`--servers: unknown kind ${JSON.stringify(kind)} (known: ${KINDS.join(', ')})`);
    }
  }
  return kinds;
}

function partNames(raw: string): PartName[] {
  const names = raw.split(',');
  for (const name of names) {
    if (!PARTS.some((p) => p.name === name)) {
      throw new UsageError(`--parts: unknown part ${JSON.stringify(name)} (known: ${PARTS.map((p) => p.name).join(', ')})`);
    }
  }
  return names as PartName[];
}

/** The bench options for `argv` (without node and the script), or 'help' for --help. */
export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        full: { type: 'boolean' },
        smoke: { type: 'boolean' },
        sizes: { type: 'string' },
        repeats: { type: 'string' },
        rounds: { type: 'string' },
        warmup: { type: 'string' },
        servers: { type: 'string' },
        concurrency: { type: 'string' },
        variants: { type: 'boolean' },
        // Spelled out rather than `allowNegative`, which needs Node 20.16 (engines allows 20.9).
        'no-variants': { type: 'boolean' },
        'variant-sizes': { type: 'string' },
        parts: { type: 'string' },
        'no-parts': { type: 'boolean' },
        'no-sweep': { type: 'boolean' },
        'no-e2e': { type: 'boolean' },
        'e2e-only': { type: 'boolean' },
        'http-profile': { type: 'boolean' },
        rebuild: { type: 'boolean' },
        out: { type: 'string' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes: unknown flag, missing value, stray argument.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message);
    throw error;
  }
  if (values.help) return 'help';
  if (values.full && values.smoke) throw new UsageError('--full and --smoke contradict each other');
  if (values['e2e-only'] && values['no-e2e']) throw new UsageError('--e2e-only and --no-e2e together would run nothing');
  if (values.variants && values['no-variants']) throw new UsageError('--variants and --no-variants contradict each other');
  if (values.out !== undefined && values['no-write']) throw new UsageError('--out and --no-write contradict each other');

  if (values.parts !== undefined && values['no-parts']) throw new UsageError('--parts and --no-parts contradict each other');
  if (values['e2e-only'] && (values.parts !== undefined || values['no-parts'])) throw new UsageError('--e2e-only already chooses the parts (http only)');

  const full = values.full ?? false;
  // Smoke: the smallest run that still exercises every process and message path (each default below).
  const smoke = values.smoke ?? false;
  const e2eOnly = values['e2e-only'] ?? false;
  const variants = values['no-variants'] ? false : full || (values.variants ?? false);
  const kinds = values.servers === undefined ? undefined : serverKinds(values.servers);
  // The end-to-end figures (notification.send → socket) come from the http part.
  const parts = values['no-parts'] ? [] : e2eOnly ? ['http' as const] : values.parts === undefined ? PARTS.map((p) => p.name) : partNames(values.parts);
  return {
    mode: full ? 'full' : smoke ? 'smoke' : 'quick',
    sizes:
      e2eOnly || values['no-sweep']
        ? []
        : values.sizes === undefined
          ? full
            ? [1000, 5000, 10_000]
            : smoke
              ? [20]
              : [1000]
          : numberList('sizes', values.sizes),
    repeats: values.repeats === undefined ? (smoke ? 1 : 3) : wholeNumber('repeats', values.repeats, 1),
    warmupRounds: values.warmup === undefined ? (smoke ? 1 : 5) : wholeNumber('warmup', values.warmup, 0),
    rounds: values.rounds === undefined ? (smoke ? 3 : 30) : wholeNumber('rounds', values.rounds, 1),
    userBursts: smoke ? 1 : 3,
    // Quick mode compares the gateway with raw Socket.IO only (the 3-minute budget); --full adds raw ws and tRPC.
    servers: kinds ? MAIN_SERVERS.filter((s) => kinds.has(s.kind)) : full ? MAIN_SERVERS : MAIN_SERVERS.filter((s) => s.kind === 'sio' || s.kind === 'gateway'),
    variants: variants && !e2eOnly && !values['no-sweep'] ? VARIANT_SERVERS : [],
    variantSizes: values['variant-sizes'] === undefined ? [full ? 5000 : smoke ? 20 : 1000] : numberList('variant-sizes', values['variant-sizes']),
    concurrency: values.concurrency === undefined ? (smoke ? 10 : 200) : wholeNumber('concurrency', values.concurrency, 1),
    parts: values['no-e2e'] ? parts.filter((name) => name !== 'http') : parts,
    rebuild: values.rebuild ?? false,
    profile: values['http-profile'] ?? false,
    outDir: values['no-write'] ? null : resolve(values.out ?? 'bench/results'),
    log: (line) => console.log(line),
  };
}
