/**
 * Builds the production app once for the whole e2e run (the suites start server.ts
 * against it). Set E2E_REUSE_BUILD=1 to reuse an existing .next build while iterating.
 * The server bundle (dist/server.mjs, what `npm start` runs) is rebuilt every time: it
 * takes a fraction of a second, and a stale one would test old server code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  // `npm run build`'s second step (after `next build`).
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (process.env.E2E_REUSE_BUILD === '1' && existsSync(`${process.env.NEXT_DIST_DIR || '.next'}/BUILD_ID`)) return;
  execFileSync('npx', ['next', 'build'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
