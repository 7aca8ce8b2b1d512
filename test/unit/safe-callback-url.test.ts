import { describe, expect, it } from 'vitest';
import { safeCallbackUrl } from '@/server/safe-callback-url';

const APP = 'http://localhost:3000';

describe('safeCallbackUrl (where the sign-in page sends you next)', () => {
  it('keeps paths on this site', () => {
    expect(safeCallbackUrl('/', APP)).toBe('/');
    expect(safeCallbackUrl('/rooms?x=1#top', APP)).toBe('/rooms?x=1#top');
    expect(safeCallbackUrl('rooms', APP)).toBe('/rooms');
    expect(safeCallbackUrl('/a/../b', APP)).toBe('/b');
  });

  it('reduces absolute URLs on the app origin to their path', () => {
    expect(safeCallbackUrl('http://localhost:3000/inbox?a=b', APP)).toBe('/inbox?a=b');
    expect(safeCallbackUrl('http://localhost:3000/inbox', 'http://localhost:3000/some/base')).toBe('/inbox');
  });

  it.each([
    'https://evil.example/',
    'http://localhost:3001/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '\t//evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\u0000/evil.example',
    ' //evil.example',
    '/.//evil.example',
    '/%2e//evil.example',
    'https:evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    `/${'a'.repeat(3000)}`,
    '',
  ])('never leaves the site: %j → /', (value) => {
    const target = safeCallbackUrl(value, APP);
    expect(target).toBe('/');
  });

  it('answers / for non-strings', () => {
    for (const value of [undefined, null, 42, ['/x']]) expect(safeCallbackUrl(value, APP)).toBe('/');
  });

  it('always answers a single-slash path that a browser resolves to the app origin', () => {
    // `http:/evil.example` is a path here: the same scheme as the base makes it relative.
    for (const value of ['/x', '/%2F/evil.example', '/x?next=//evil.example', '/#//evil.example', '/%09/evil.example', 'http:/evil.example']) {
      const target = safeCallbackUrl(value, APP);
      expect(target).toMatch(/^\/(?!\/)/);
      expect(new URL(target, APP).origin).toBe(APP);
    }
  });
});
