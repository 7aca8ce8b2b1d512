/**
 * The library's public entries, read from ONE place: the `exports` of src/socket-gateway/package.json.
 * Everything that names an entry derives from here: the package build (scripts/package.mjs), the
 * demo's aliases (vitest.config.ts; tsconfig.json `paths`, checked by `npm run check:package`), and
 * the lint rule that lets app code import the library only by these names (eslint.config.mjs).
 *
 * An export `./x` → `{ import: './dist/<path>.js' }` is built from `src/socket-gateway/<path>.ts`
 * (or `.tsx`): the build keeps the source layout, so the mapping needs no second list.
 * @see https://nodejs.org/api/packages.html#subpath-exports
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The library's folder, relative to the repository root. */
export const PACKAGE_DIR = 'src/socket-gateway';

/** Entries that run in the browser: their module graph may not reach Node built-ins or server packages. */
export const BROWSER_SUBPATHS = ['./react'];

export function readLibraryPackage(root = ROOT) {
  return JSON.parse(readFileSync(join(root, PACKAGE_DIR, 'package.json'), 'utf8'));
}

/**
 * One row per public entry (the `./package.json` export aside):
 * `{ subpath: './react', specifier: 'socket-gateway/react', source: 'src/socket-gateway/react/index.ts',
 *    output: 'dist/react/index.js', types: 'dist/react/index.d.ts', browser: true }`.
 */
export function libraryEntries(root = ROOT) {
  const pkg = readLibraryPackage(root);
  return Object.entries(pkg.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      if (typeof target !== 'object' || typeof target.import !== 'string' || typeof target.types !== 'string')
        throw new Error(`${PACKAGE_DIR}/package.json: export "${subpath}" needs { types, import }`);
      const match = /^\.\/dist\/(.+)\.js$/.exec(target.import);
      if (!match) throw new Error(`${PACKAGE_DIR}/package.json: export "${subpath}" must import ./dist/<path>.js, got ${target.import}`);
      const stem = match[1];
      if (target.types !== `./dist/${stem}.d.ts`) throw new Error(`${PACKAGE_DIR}/package.json: export "${subpath}" types must be ./dist/${stem}.d.ts`);
      const source = ['.ts', '.tsx'].map((ext) => `${PACKAGE_DIR}/${stem}${ext}`).find((file) => existsSync(join(root, file)));
      if (!source) throw new Error(`${PACKAGE_DIR}/package.json: export "${subpath}" has no source ${PACKAGE_DIR}/${stem}.ts(x)`);
      return {
        subpath,
        specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
        source,
        output: `dist/${stem}.js`,
        types: `dist/${stem}.d.ts`,
        browser: BROWSER_SUBPATHS.includes(subpath),
      };
    });
}

/** The `paths` the demo's tsconfig.json must hold for the library: specifier → [./source]. */
export function expectedTsconfigPaths(root = ROOT) {
  return Object.fromEntries(libraryEntries(root).map((entry) => [entry.specifier, [`./${entry.source}`]]));
}
