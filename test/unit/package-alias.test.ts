/**
 * The demo reaches the library by its package names (`socket-gateway`, `socket-gateway/<entry>`),
 * exactly as an installed app would; in this repository those names are aliases of the source
 * entries (tsconfig.json `paths`, vitest.config.ts, the esbuild server build). Each name must be
 * the SAME module as the source entry, not a second copy (one registry, one class identity).
 */
import { describe, expect, it } from 'vitest';
import * as byPath from '@/socket-gateway';
import * as emitterByPath from '@/socket-gateway/emitter';
import * as reactByPath from '@/socket-gateway/react';
import * as redisByPath from '@/socket-gateway/stores/redis';
import * as sqliteByPath from '@/socket-gateway/stores/sqlite';
import * as trpcByPath from '@/socket-gateway/trpc';
import * as nextByPath from '@/socket-gateway/next';
import * as byName from 'socket-gateway';
import * as emitterByName from 'socket-gateway/emitter';
import * as reactByName from 'socket-gateway/react';
import * as redisByName from 'socket-gateway/stores/redis';
import * as sqliteByName from 'socket-gateway/stores/sqlite';
import * as trpcByName from 'socket-gateway/trpc';
import * as nextByName from 'socket-gateway/next';
import { libraryEntries } from '../../scripts/lib/package-entries.mjs';

describe('the library by its package name', () => {
  it('names the same modules as the source entries', () => {
    expect(byName).toBe(byPath);
    expect(reactByName).toBe(reactByPath);
    expect(emitterByName).toBe(emitterByPath);
    expect(redisByName).toBe(redisByPath);
    expect(sqliteByName).toBe(sqliteByPath);
    expect(trpcByName).toBe(trpcByPath);
    expect(nextByName).toBe(nextByPath);
  });

  it('covers every entry the package exports (add the new entry above)', () => {
    expect(libraryEntries().map((entry) => entry.specifier)).toEqual([
      'socket-gateway',
      'socket-gateway/advanced',
      'socket-gateway/react',
      'socket-gateway/emitter',
      'socket-gateway/trpc',
      'socket-gateway/next',
      'socket-gateway/stores/redis',
      'socket-gateway/stores/sqlite',
    ]);
  });
});
