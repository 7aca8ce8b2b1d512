import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { libraryEntries } from './scripts/lib/package-entries.mjs';

const src = fileURLToPath(new URL('./src', import.meta.url));
const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * `@/…` (the app's own alias) plus the library by its package names, `socket-gateway` and
 * `socket-gateway/<entry>`, mapped to the source of each entry its package.json exports (exact
 * matches: an unexported subpath does not resolve, as in an installed package).
 * @see scripts/lib/package-entries.mjs
 */
const alias = [
  // The library's folder holds its package.json, whose `exports` name the BUILT files: a directory import
  // of it would resolve there. Until the demo imports it only by name, `@/socket-gateway` is its index.
  { find: /^@\/socket-gateway$/, replacement: `${src}/socket-gateway/index.ts` },
  { find: '@', replacement: src },
  ...libraryEntries().map((entry) => ({ find: new RegExp(`^${entry.specifier.replace(/[/.]/g, '\\$&')}$`), replacement: `${root}${entry.source}` })),
];

/**
 * One file per feature, grouped by kind. Server-side suites run in `node` (jose does not
 * work under jsdom); component suites opt into jsdom per file with a docblock.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    setupFiles: ['./test/setup-env.ts'],
    // expect.poll waits for a condition; its deadline only decides when a failure is reported, so it
    // is generous (the default 1 s failed checks on a loaded machine). vi.waitFor calls pass their own.
    expect: { poll: { timeout: 15_000 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], environment: 'node' } },
      { extends: true, test: { name: 'property', include: ['test/property/**/*.test.ts'], environment: 'node', testTimeout: 120_000 } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
      { extends: true, test: { name: 'component', include: ['test/component/**/*.test.tsx'], environment: 'node', testTimeout: 30_000 } },
      { extends: true, test: { name: 'contract', include: ['test/contract/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          // One redis-server and real server.ts nodes per file (never more than 2 nodes at once):
          // the files run one after another.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
      {
        // The packed library installed into an app outside the repository (npm run package, npm install,
        // separate node processes, its own tsc): one file, minutes not seconds, so a project of its own.
        extends: true,
        test: { name: 'package', include: ['test/package/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        // The benchmark's own self-checks (its pure pieces: flags, charts, profile summary, the http
        // part's tables). Not `extends: true`: they share no setup with the product's suites, and
        // test/ imports nothing from bench/ (docs/benchmarks.md, "Testing the bench").
        resolve: { alias },
        test: { name: 'bench', include: ['bench/**/*.test.ts'], environment: 'node' },
      },
    ],
  },
});
