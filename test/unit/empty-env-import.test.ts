/**
 * The library reads no settings (issue 19, item 3): importing any of its entries in a process
 * whose environment is EMPTY throws nothing, and a gateway starts there from its options alone.
 * Each import runs in a fresh `node` with `env: {}` (no NEXTAUTH_SECRET, no NODE_ENV, no PATH),
 * so a module that reads a setting at import time (a `getEnv()` parsing process.env) fails here.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { libraryEntries } from '../../scripts/lib/package-entries.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Every entry the package exports (its package.json `exports`, one list for the build, the aliases and this test). */
const ENTRIES = libraryEntries().map((entry: { source: string }) => entry.source);

function runInEmptyEnv(script: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, env: env as NodeJS.ProcessEnv, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every source file of the library (src/socket-gateway/**). */
function librarySources(dir = join(root, 'src/socket-gateway')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? librarySources(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('the library reads no settings', () => {
  it('no file imports the app (`@/…`) or reads process.env other than NODE_ENV', () => {
    const offences = librarySources().flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [
        ...[...text.matchAll(/from '@\/[^']*'/g)].map((m) => `${file}: ${m[0]}`),
        ...[...text.matchAll(/process\.env(?!\.NODE_ENV\b)[.[]?\w*/g)].map((m) => `${file}: ${m[0]}`),
      ];
    });
    expect(offences).toEqual([]);
  });
});

describe('the library in an empty environment', () => {
  it.each(ENTRIES)('imports %s without throwing', async (entry) => {
    const result = await runInEmptyEnv(`await import(${JSON.stringify(`./${entry}`)}); console.log('imported');`);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: 'imported\n' });
  });

  // NODE_ENV=production and nothing else: a library that still read the app's settings would
  // refuse here (NEXTAUTH_SECRET is not set), as the emitter of a production worker did.
  it('starts a gateway from its options alone, mints a token and closes (NODE_ENV=production, no other variable)', async () => {
    const script = `
      const { createServer } = await import('node:http');
      const { createSocketGateway } = await import('./src/socket-gateway/create-socket-gateway.ts');
      const realtime = createSocketGateway({ events: {}, secret: 'an-empty-env-secret-of-32-characters!!' });
      await realtime.attach(createServer());
      const { token } = await realtime.mintToken('u1');
      await realtime.close();
      console.log(typeof token);`;
    const result = await runInEmptyEnv(script, { NODE_ENV: 'production' });
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: 'string\n' });
  });
});
