/**
 * Compiles server.ts into dist/server.mjs so production runs it with plain `node`: no tsx
 * loader and no esbuild service processes at run time (`npm run build` runs this after
 * `next build`).
 *
 * Only our own code is bundled (server.ts and what it imports from src/, `@/` aliases
 * resolved from tsconfig.json). Every package (next, socket.io, jose, ...) stays an import
 * loaded from node_modules at run time, exactly as Next's own server code loads it: one copy
 * of each, native add-ons untouched.
 *
 * Usage: node scripts/build-server.mjs [outfile] [--sourcemap]   (default dist/server.mjs; the
 * bench builds its copy with a linked source map, so a CPU profile names src/ files)
 * @see https://esbuild.github.io/api/#packages
 * @see https://esbuild.github.io/api/#tsconfig
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const sourcemap = args.includes('--sourcemap');
const outfile = args.find((arg) => !arg.startsWith('--')) ?? 'dist/server.mjs';

await build({
  absWorkingDir: root,
  entryPoints: ['server.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // package.json "engines": node >=20.9.
  target: 'node20',
  // Bare imports stay external; tsconfig `paths` (`@/*`, and the library's package names
  // `socket-gateway` / `socket-gateway/<entry>`) are resolved first, so src/ is bundled.
  packages: 'external',
  tsconfig: 'tsconfig.json',
  // Not minified, and no source map unless asked: the bundle keeps one `// src/...` comment per
  // module, so a stack trace into dist/server.mjs is readable as it is.
  ...(sourcemap ? { sourcemap: 'linked' } : {}),
  logLevel: 'warning',
});
console.log(`> Built ${outfile}`);
