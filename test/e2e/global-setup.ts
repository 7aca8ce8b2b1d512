/**
 * Builds the production app once for the whole run (the e2e and cluster suites start
 * server.ts against it). Set E2E_REUSE_BUILD=1 to reuse an existing .next build while iterating.
 * The server bundle (dist/server.mjs, what `npm start` runs) is rebuilt every time: it
 * takes a fraction of a second, and a stale one would test old server code.
 *
 * Every project that lists this file runs it (vitest keeps global setups per project), so the
 * first call marks the run as built: a second project must not rebuild .next under servers the
 * first one's suites may already be running.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BUILT_MARK = 'SOCKET_GATEWAY_TEST_BUILD_DONE';

export default function setup(): void {
  if (process.env[BUILT_MARK] === '1') return;
  // `npm run build`'s second step (after `next build`).
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (process.env.E2E_REUSE_BUILD !== '1' || !existsSync(`${process.env.NEXT_DIST_DIR || '.next'}/BUILD_ID`)) {
    execFileSync('npx', ['next', 'build'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
  }
  process.env[BUILT_MARK] = '1';
}
