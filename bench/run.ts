/**
 * `npm run bench` — quick mode: N = 1,000, 3 interleaved repeats, plus the end-to-end part.
 * `npm run bench -- --full` — the full sweep: N = 1,000 / 5,000 / 10,000 and the variants.
 * `npm run bench -- --help` — every flag (see USAGE in ./lib/args).
 */
import { runBench, type BenchOptions } from './harness';
import { USAGE, UsageError, parseBenchArgs } from './lib/args';
import { pinProcess } from './lib/child';

let parsed: BenchOptions | 'help';
try {
  parsed = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`npm run bench: ${error.message}\n\n${USAGE}`);
  process.exit(1);
}
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const options = parsed;
// The harness shares core 1 with the load generators; core 0 is the servers'.
pinProcess(process.pid, 1);
const started = Date.now();
await runBench(options, `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
