/**
 * Where a CPU profile's time goes, by category of the HTTP emit path (bench/lib/cpu-profile.ts).
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--category other]
 *
 * Profiles come from the http part (`npm run bench -- --no-sweep --parts http --http-profile`,
 * or any `--full` run; the path is printed) or from `node --cpu-prof`. `--category` lists the
 * heaviest functions of one category only. Summarise a profile before the next build: Next's
 * chunks are resolved through the source maps next to them, which a rebuild replaces.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { summariseProfile, type CpuProfile } from './lib/cpu-profile';
import { renderProfile } from './parts/http';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string' }, category: { type: 'string' } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--category <name>]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const top = values.top === undefined ? 15 : Number(values.top);
const summary = summariseProfile(profile, undefined, values.category ? Number.POSITIVE_INFINITY : top);
if (values.category) summary.topFunctions = summary.topFunctions.filter((f) => f.category === values.category).slice(0, top);
console.log(renderProfile(summary));
