// ESLint flat config: typescript-eslint, the React hooks rules, and the module boundaries
// (public entry points only; browser code never imports server code, and the reverse).
// @see https://typescript-eslint.io/getting-started
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { libraryEntries, PACKAGE_DIR } from './scripts/lib/package-entries.mjs';

/**
 * Rule (b) of the package boundary: app code (the demo, its scripts and the bench) imports the
 * library only by its package names, as an installed app does. (The library's own tests in test/
 * may also reach its internal files: they test units no entry exports.)
 */
const APP_IMPORTS_LIBRARY_BY_NAME = true;

const repoRoot = dirname(fileURLToPath(import.meta.url));
const libraryRoot = resolve(repoRoot, PACKAGE_DIR);
const libraryNames = libraryEntries().map((entry) => entry.specifier);
const isInsideLibrary = (file) => file === libraryRoot || file.startsWith(libraryRoot + sep);

/** Reports every import/export/import() specifier of a file that `check(specifier, file)` refuses. */
function importRule(description, check) {
  return {
    meta: { type: 'problem', docs: { description }, schema: [] },
    create(context) {
      const visit = (node) => {
        const source = node.source;
        if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
        const message = check(source.value, context.filename);
        if (message) context.report({ node: source, message });
      };
      return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
    },
  };
}

/**
 * The package boundary, both directions (issue 19): the library imports nothing from the app, and
 * the app reaches the library only through the entries its package.json exports, as an installed
 * app does (scripts/lib/package-entries.mjs lists them).
 */
const boundaryPlugin = {
  rules: {
    'library-imports-nothing-from-the-app': importRule('Inside the library, only relative imports that stay in its folder', (specifier, file) => {
      if (/^[@~]\//.test(specifier))
        return `The library imports nothing from the app: '${specifier}' is an app alias. Use a relative import inside ${PACKAGE_DIR}, or take it as an option.`;
      if (specifier.startsWith('.') && !isInsideLibrary(resolve(dirname(file), specifier)))
        return `'${specifier}' leaves ${PACKAGE_DIR}: the library imports nothing from the app (it ships alone as the socket-gateway package).`;
      return undefined;
    }),
    'app-imports-library-by-name': importRule('App code imports the library only by its package names', (specifier, file) => {
      const byName = `one of ${libraryNames.join(', ')}`;
      if (specifier === '@/socket-gateway' || specifier.startsWith('@/socket-gateway/'))
        return `Import the library by its package name (${byName}), as an installed app does, not '${specifier}'.`;
      if (specifier.startsWith('.') && isInsideLibrary(resolve(dirname(file), specifier)))
        return `'${specifier}' reaches into ${relative(repoRoot, libraryRoot)}: import the library by its package name (${byName}).`;
      if (specifier.startsWith('socket-gateway/') && !libraryNames.includes(specifier))
        return `'${specifier}' is not an entry of the socket-gateway package (${byName}); internals stay inside.`;
      return undefined;
    }),
  },
};

/** The socket-gateway module's internal files: reachable only through its public entries. */
const gatewayInternals = {
  group: [
    '@/socket-gateway/*',
    '!@/socket-gateway/react',
    '!@/socket-gateway/event-map',
    '!@/socket-gateway/emitter',
    '!@/socket-gateway/trpc',
    '!@/socket-gateway/stores',
    '@/socket-gateway/stores/*',
    '!@/socket-gateway/stores/sqlite',
    '!@/socket-gateway/stores/redis',
  ],
  message:
    'Import from a public entry: @/socket-gateway (server), @/socket-gateway/react (browser), @/socket-gateway/event-map (shared), @/socket-gateway/emitter (other processes), @/socket-gateway/stores/sqlite or /redis (the composition root).',
};
// Type-only imports are erased at build time (the tRPC client's `import type { AppRouter }`).
const serverOnlyMessage = 'Browser code must not import server modules; share types through @/socket-gateway/event-map.';
const serverOnly = { group: ['@/server/*', 'node:*', 'next-auth/providers/*'], allowTypeImports: true, message: serverOnlyMessage };
const serverOnlyPaths = [
  '@/socket-gateway',
  '@/env',
  'socket.io',
  'jose',
  ...libraryEntries()
    .filter((entry) => !entry.browser)
    .map((entry) => entry.specifier),
].map((name) => ({ name, allowTypeImports: true, message: serverOnlyMessage }));
const browserOnly = {
  group: ['@/socket-gateway/react', '@/socket-gateway/react/*', 'socket-gateway/react', '@/trpc/*', '@/app/*', 'react', 'react-dom', 'socket.io-client'],
  message: 'Server code must not import browser modules.',
};

export default tseslint.config(
  { ignores: ['node_modules/', '.next/', '.next-*/', 'dist/', 'coverage/', 'test-results/', 'next-env.d.ts', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        TextEncoder: 'readonly',
        window: 'readonly',
        document: 'readonly',
        globalThis: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        AbortController: 'readonly',
        performance: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [gatewayInternals] }],
    },
  },
  {
    files: ['**/*.tsx', 'src/socket-gateway/react/**', 'src/trpc/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Browser side: the module's React entry, the tRPC client and the app's client components.
    files: ['src/socket-gateway/react/**', 'src/trpc/**', 'src/app/_components/**', 'src/app/providers.tsx', 'src/app/signin/sign-in-form.tsx'],
    rules: { 'no-restricted-imports': ['error', { paths: serverOnlyPaths, patterns: [gatewayInternals, serverOnly] }] },
  },
  {
    // Inside the module, its own files import each other relatively; the React side stays browser-only.
    files: ['src/socket-gateway/react/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: serverOnlyPaths,
          patterns: [serverOnly, { group: ['../*', '!../event-map'], message: 'The browser side imports only ../event-map from the module.' }],
        },
      ],
    },
  },
  {
    // Server side: never a browser module.
    files: ['server.ts', 'src/server/**', 'src/env.ts', 'src/socket-gateway/*.ts', 'src/socket-gateway/stores/**', 'src/app/api/**'],
    ignores: ['src/socket-gateway/event-map.ts', 'src/socket-gateway/standard-schema.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [gatewayInternals, browserOnly] }] },
  },
  {
    // Tests may reach internals (mocks, fixtures); bench measures them too.
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // (a) The library stays a package: nothing under its folder imports the app.
    files: [`${PACKAGE_DIR}/**/*.{ts,tsx}`],
    plugins: { boundary: boundaryPlugin },
    rules: { 'boundary/library-imports-nothing-from-the-app': 'error' },
  },
  ...(APP_IMPORTS_LIBRARY_BY_NAME
    ? [
        {
          // (b) The demo is its first consumer: it imports the library by name only.
          files: ['src/**/*.{ts,tsx}', 'server.ts', 'scripts/**/*.{ts,mjs}', 'bench/**/*.ts'],
          ignores: [`${PACKAGE_DIR}/**`],
          plugins: { boundary: boundaryPlugin },
          rules: { 'boundary/app-imports-library-by-name': 'error' },
        },
      ]
    : []),
);
