/**
 * The production build the HTTP part runs against: Next's build in a distDir of the bench's
 * own (`.next-bench`, so a bench never clashes with `npm run build` or the e2e tests' build),
 * and server.ts bundled the way `npm run build` bundles it (scripts/build-server.mjs), plus a
 * source map so a CPU profile can name src/ files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The newest modification time of what a build is made from. */
function sourcesMtime(root: string): number {
  return Math.max(
    newestMtime(join(root, 'src')),
    ...['server.ts', 'next.config.mjs', 'package-lock.json'].filter((f) => existsSync(join(root, f))).map((f) => newestMtime(join(root, f))),
  );
}

/** Builds the app into `distDir` unless a build newer than every source file is there. Returns whether it built. */
export function ensureBuild(root: string, distDir: string, rebuild: boolean, log: (line: string) => void): boolean {
  const buildId = join(root, distDir, 'BUILD_ID');
  if (!rebuild && existsSync(buildId)) {
    if (statSync(buildId).mtimeMs >= sourcesMtime(root)) return false;
    log(`${distDir} is older than the sources: rebuilding`);
  }
  log(`building the app into ${distDir} (next build, once; later runs reuse it while it is newer than src/) ...`);
  // next build adds `<distDir>/types` to tsconfig.json's include; a bench run must not edit the repo.
  const tsconfig = join(root, 'tsconfig.json');
  const original = readFileSync(tsconfig, 'utf8');
  try {
    execFileSync('npx', ['next', 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: '1' },
    });
  } finally {
    if (readFileSync(tsconfig, 'utf8') !== original) writeFileSync(tsconfig, original);
  }
  return true;
}

/**
 * server.ts as `npm run build` bundles it (by scripts/build-server.mjs itself), with a linked
 * source map, into `<distDir>/bench-server.mjs`; rebuilt when the sources are newer.
 */
export async function bundleServer(root: string, distDir: string): Promise<string> {
  const outfile = join(root, distDir, 'bench-server.mjs');
  if (existsSync(outfile) && statSync(outfile).mtimeMs >= sourcesMtime(root)) return outfile;
  execFileSync(process.execPath, ['scripts/build-server.mjs', outfile, '--sourcemap'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return outfile;
}
