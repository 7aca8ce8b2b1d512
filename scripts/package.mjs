/**
 * `npm run package`: builds the library in src/socket-gateway into the npm package `socket-gateway`
 * and packs it as dist/socket-gateway-<version>.tgz, exactly what `npm install` of the published
 * package would unpack (the tarball test installs it into an app outside this repository).
 *
 * 1. Checks the entries (src/socket-gateway/package.json `exports`) against the demo's aliases
 *    (tsconfig.json `paths`): the demo imports the library by the same names an outside app uses.
 * 2. esbuild: ONE build of every entry (ESM, code splitting, so entries share one copy of each shared
 *    module: one registry, one class identity). Bare imports stay imports of the app's packages;
 *    an import that leaves src/socket-gateway (`@/…`, `../..`) or a package the library's package.json
 *    does not declare stops the build. The React entry's module graph must be browser-safe, and no
 *    entry may load an optional peer it does not own (a memory-only app need not install redis).
 * 3. tsc --emitDeclarationOnly (src/socket-gateway/tsconfig.build.json): the `.d.ts` files, with
 *    relative specifiers rewritten to the emitted `.js` files so `moduleResolution: node16` apps
 *    resolve them too (bundler-resolution apps need nothing).
 * 4. Copies package.json and README.md, then `npm pack`.
 *
 * Usage: node scripts/package.mjs [--check] [--lenient]
 *   --check    only step 1 and the declared-dependency list (no build): `npm run check:package`
 *   --lenient  PRE-MERGE ONLY (issue 19): report imports leaving the package and undeclared packages as
 *              warnings and bundle them, so the later steps can be exercised before the library stops
 *              importing `@/env`. Delete once `npm run package` passes without it.
 * @see https://esbuild.github.io/api/#splitting
 * @see https://www.typescriptlang.org/docs/handbook/modules/reference.html#packagejson-exports
 * @see https://docs.npmjs.com/cli/v11/commands/npm-pack
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expectedTsconfigPaths, libraryEntries, PACKAGE_DIR, readLibraryPackage, ROOT } from './lib/package-entries.mjs';

/**
 * Optional peers, and the entries that may load them when imported. Any other entry reaching one
 * statically would make every app install it (a dynamic `import()` when the option asks for it is fine).
 */
const OPTIONAL_PEER_OWNERS = {
  redis: ['./stores/redis', './emitter'],
  // Loaded only by the Redis backend (createSocketGateway({ redisUrl }), on demand) and the emitter.
  '@socket.io/redis-adapter': [],
  '@socket.io/redis-emitter': ['./emitter'],
  'better-sqlite3': ['./stores/sqlite'],
  react: ['./react'],
  '@tanstack/react-query': ['./react'],
  'socket.io-client': ['./react'],
  '@trpc/server': ['./trpc'],
};
/** Packages a browser entry must never reach (besides Node built-ins). */
const SERVER_PACKAGES = [
  'socket.io',
  'jose',
  'redis',
  'better-sqlite3',
  'pino',
  'prom-client',
  '@socket.io/redis-adapter',
  '@socket.io/redis-emitter',
  'next/server',
];

const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const lenient = args.includes('--lenient');
const started = performance.now();
const problems = [];
const warnings = [];
const fail = (message) => (lenient ? warnings : problems).push(message);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; built-ins → undefined. */
function packageNameOf(specifier) {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function stopIfProblems(step) {
  for (const warning of warnings.splice(0)) console.warn(`  warning: ${warning}`);
  if (problems.length === 0) return;
  console.error(`\nnpm run package: ${step} failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}

// 1. Entries versus the demo's aliases.
const pkg = readLibraryPackage();
const entries = libraryEntries();
const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
const aliasPaths = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions?.paths ?? {}).filter(([name]) => name === pkg.name || name.startsWith(`${pkg.name}/`)),
);
const wantedPaths = expectedTsconfigPaths();
for (const [name, target] of Object.entries(wantedPaths))
  if (JSON.stringify(aliasPaths[name]) !== JSON.stringify(target))
    problems.push(
      `tsconfig.json paths["${name}"] must be ${JSON.stringify(target)} (an export of ${PACKAGE_DIR}/package.json), got ${JSON.stringify(aliasPaths[name])}`,
    );
for (const name of Object.keys(aliasPaths))
  if (!(name in wantedPaths))
    problems.push(`tsconfig.json paths["${name}"] names no export of ${PACKAGE_DIR}/package.json (exports: ${Object.keys(wantedPaths).join(', ')})`);
for (const [peer, owners] of Object.entries(OPTIONAL_PEER_OWNERS)) {
  if (!pkg.peerDependenciesMeta?.[peer]?.optional) problems.push(`${peer} must be an optional peer dependency (peerDependenciesMeta)`);
  for (const owner of owners) if (!(owner in pkg.exports)) problems.push(`OPTIONAL_PEER_OWNERS names ${owner}, which is not an export`);
}
stopIfProblems('the entry check');
if (checkOnly) {
  console.log(`> ${pkg.name} entries match tsconfig.json paths: ${entries.map((entry) => entry.specifier).join(', ')}`);
  process.exit(0);
}

const stage = join(ROOT, 'dist', pkg.name);
const outdir = join(stage, 'dist');
rmSync(stage, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const packageRoot = join(ROOT, PACKAGE_DIR);

// 2. JavaScript.
/** Every bare import of the library's code, and anything that leaves the package. */
const usedPackages = new Set();
/** Strict builds leave an escaping import unresolved (the build then stops with the list); lenient ones bundle it. */
const leaving = (path) => (lenient ? undefined : { path, external: true });
const boundary = {
  name: 'package-boundary',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, ({ path, importer, kind }) => {
      if (kind === 'entry-point') return undefined;
      const from = relative(ROOT, importer);
      if (path.startsWith('.')) {
        const target = resolve(dirname(importer), path);
        if (target === packageRoot || target.startsWith(packageRoot + sep)) return undefined;
        fail(`${from} imports ${path}, which leaves ${PACKAGE_DIR} (the library imports nothing from the app)`);
        return leaving(path);
      }
      if (path.startsWith('@/') || path.startsWith('~/')) {
        fail(`${from} imports ${path}: an app alias (the library imports nothing from the app)`);
        return leaving(path);
      }
      const name = packageNameOf(path);
      if (name === undefined) return { path, external: true };
      usedPackages.add(name);
      if (!declared.has(name)) fail(`${from} imports ${path}, but ${name} is not in ${PACKAGE_DIR}/package.json dependencies or peerDependencies`);
      return { path, external: true };
    });
  },
};
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: entries.map((entry) => ({ in: entry.source, out: entry.output.replace(/^dist\//, '').replace(/\.js$/, '') })),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  // Server entries run on Node (package.json engines: >=20.9); the browser entry is checked below.
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Lenient (pre-merge) builds resolve the app's `@/` alias so they can be bundled; strict ones never need it.
  tsconfig: lenient ? 'tsconfig.json' : `${PACKAGE_DIR}/tsconfig.build.json`,
  plugins: [boundary],
  metafile: true,
  // Readable output: an app's stack trace into node_modules/socket-gateway names the source module.
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const name of declared) if (!usedPackages.has(name)) warnings.push(`${name} is declared in ${PACKAGE_DIR}/package.json but no entry imports it`);
stopIfProblems('the JavaScript build');

/** Bare packages (and built-ins) an output loads when imported: its static imports, through shared chunks. */
function staticExternals(output) {
  const seen = new Set();
  const found = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of result.metafile.outputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) found.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(output);
  return found;
}
for (const entry of entries) {
  const output = relative(ROOT, join(stage, entry.output));
  const externals = staticExternals(output);
  for (const specifier of externals) {
    const name = packageNameOf(specifier);
    if (entry.browser && (name === undefined || SERVER_PACKAGES.includes(name) || SERVER_PACKAGES.includes(specifier)))
      problems.push(`${entry.specifier} runs in the browser but loads ${specifier} (through its imports)`);
    const owners = name === undefined ? undefined : OPTIONAL_PEER_OWNERS[name];
    if (owners && !owners.includes(entry.subpath))
      problems.push(
        `${entry.specifier} loads the optional peer ${name} when imported: an app without it could not import the entry (load it with import() when an option asks for it)`,
      );
  }
  // Next.js: the React entry is a client module ('use client' directives do not survive bundling).
  if (entry.browser) {
    const file = join(stage, entry.output);
    writeFileSync(file, `'use client';\n${readFileSync(file, 'utf8')}`);
  }
}
stopIfProblems('the entry graph check');

// 3. Declarations.
try {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', `${PACKAGE_DIR}/tsconfig.build.json`, '--outDir', outdir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
} catch (error) {
  fail(`tsc (declarations) reported errors:\n${String(error.stdout ?? error.message).trim()}`);
}
stopIfProblems('the declaration build');
for (const entry of entries) if (!existsSync(join(stage, entry.types))) problems.push(`${entry.types} was not emitted for ${entry.specifier}`);
stopIfProblems('the declaration build');

/** `from './x'` → `from './x.js'` (or `./x/index.js`), as Node's resolution of the emitted files needs. */
function explicitSpecifiers(file) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g, (whole, lead, quote, specifier) => {
    if (/\.(js|mjs|cjs|json)$/.test(specifier)) return whole;
    const base = resolve(dirname(file), specifier);
    if (existsSync(`${base}.d.ts`)) return `${lead}${quote}${specifier}.js${quote}`;
    if (existsSync(join(base, 'index.d.ts'))) return `${lead}${quote}${specifier}/index.js${quote}`;
    return whole;
  });
  if (rewritten !== text) writeFileSync(file, rewritten);
}
const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
for (const file of walk(outdir)) if (file.endsWith('.d.ts')) explicitSpecifiers(file);

// 4. Pack.
copyFileSync(join(packageRoot, 'package.json'), join(stage, 'package.json'));
copyFileSync(join(packageRoot, 'README.md'), join(stage, 'README.md'));
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', join(ROOT, 'dist')], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
)[0];
const tarball = join(ROOT, 'dist', packed.filename);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `> Packed ${relative(ROOT, tarball)}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} kB packed, ` +
    `${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked, in ${seconds} s${lenient ? ' (LENIENT: not publishable)' : ''}`,
);
