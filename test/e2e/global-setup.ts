/**
 * Builds the production app once for the whole e2e run (the suites start server.ts
 * against it). Set E2E_REUSE_BUILD=1 to reuse an existing .next build while iterating.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (process.env.E2E_REUSE_BUILD === '1' && existsSync(`${process.env.NEXT_DIST_DIR || '.next'}/BUILD_ID`)) return;
  execFileSync('npx', ['next', 'build'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
