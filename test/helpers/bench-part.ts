/**
 * What the bench parts' smoke tests pass to `part.run()`: tiny N (mode 'smoke'), one repeat, the
 * repository as cwd for the child processes, and a production-mode environment with a test secret.
 */
import { fileURLToPath } from 'node:url';
import type { PartContext } from '../../bench/lib/part';

export function smokeContext(): PartContext {
  return {
    mode: 'smoke',
    repeats: 1,
    root: fileURLToPath(new URL('../..', import.meta.url)),
    env: { NEXTAUTH_SECRET: 'bench-smoke-nextauth-secret-0123456789abcdef', NODE_ENV: 'production' },
    concurrency: 10,
    log: () => undefined,
  };
}
