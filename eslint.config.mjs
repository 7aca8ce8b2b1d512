// ESLint flat config: typescript-eslint, the React hooks rules, and the module boundaries
// (public entry points only; browser code never imports server code, and the reverse).
// @see https://typescript-eslint.io/getting-started
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The socket-gateway module's internal files: reachable only through its public entries. */
const gatewayInternals = {
  group: [
    '@/socket-gateway/*',
    '!@/socket-gateway/react',
    '!@/socket-gateway/events',
    '!@/socket-gateway/emitter',
    '!@/socket-gateway/trpc',
    '!@/socket-gateway/stores',
    '@/socket-gateway/stores/*',
    '!@/socket-gateway/stores/sqlite',
    '!@/socket-gateway/stores/redis',
  ],
  message:
    'Import from a public entry: @/socket-gateway (server), @/socket-gateway/react (browser), @/socket-gateway/events (shared), @/socket-gateway/emitter (other processes), @/socket-gateway/stores/sqlite or /redis (the composition root).',
};
// Type-only imports are erased at build time (the tRPC client's `import type { AppRouter }`).
const serverOnlyMessage = 'Browser code must not import server modules; share types through @/socket-gateway/events.';
const serverOnly = { group: ['@/server/*', 'node:*', 'next-auth/providers/*'], allowTypeImports: true, message: serverOnlyMessage };
const serverOnlyPaths = ['@/socket-gateway', '@/env', 'socket.io', 'jose'].map((name) => ({ name, allowTypeImports: true, message: serverOnlyMessage }));
const browserOnly = {
  group: ['@/socket-gateway/react', '@/socket-gateway/react/*', '@/trpc/*', '@/app/*', 'react', 'react-dom', 'socket.io-client'],
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
          patterns: [serverOnly, { group: ['../*', '!../events'], message: 'The browser side imports only ../events from the module.' }],
        },
      ],
    },
  },
  {
    // Server side: never a browser module.
    files: ['server.ts', 'src/server/**', 'src/env.ts', 'src/socket-gateway/*.ts', 'src/socket-gateway/stores/**', 'src/app/api/**'],
    ignores: ['src/socket-gateway/events.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [gatewayInternals, browserOnly] }] },
  },
  {
    // Tests may reach internals (mocks, fixtures); bench measures them too.
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
