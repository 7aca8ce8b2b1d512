/**
 * `parseCookieHeader` (src/server/http/cookie-header.ts), which server.ts's /api/trpc reads the
 * session cookie with, against the parser Next's `cookies()` uses (@edge-runtime/cookies, as
 * Next ships it): for any `Cookie` header a client can send (names, `=`, `;` with and without
 * spaces, percent-escapes well and badly formed, repeated names, pairs without `=`, tokens like
 * `__proto__`), both read the same name → value pairs. Differential, so a session Next's route
 * would find is the one the Node handler finds, and no other.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCookieHeader } from '@/server/http/cookie-header';

const require = createRequire(import.meta.url);
const { RequestCookies } = require('next/dist/compiled/@edge-runtime/cookies') as {
  RequestCookies: new (headers: Headers) => { getAll(): { name: string; value: string }[] };
};

/** What Next's `cookies()` holds for this header. */
function nextCookies(header: string): Record<string, string> {
  return Object.fromEntries(new RequestCookies(new Headers({ cookie: header })).getAll().map(({ name, value }) => [name, value]));
}

const piece = fc.oneof(
  fc.constantFrom(
    'next-auth.session-token',
    '__Secure-next-auth.session-token',
    'a',
    '__proto__',
    'constructor',
    'getAll',
    '=',
    ';',
    '; ',
    ';  ',
    ' ',
    '%',
    '%2',
    '%zz',
    '%41',
    '%C3%BC',
    '%E2%82',
    '"',
    ',',
  ),
  fc.string({ unit: fc.constantFrom(..."abcXYZ09-_.~!$&'()*+/:<>?@[]^`{|}".split('')), maxLength: 8 }),
  // Any byte a header may carry (Node hands header values over as latin1 strings).
  fc.string({
    unit: fc.oneof(
      fc.constant('\t'),
      fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
    ),
    maxLength: 4,
  }),
);
/** Any header value a client can send (no CR, LF or NUL, which HTTP refuses before any parser). */
const cookieHeader = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join('').replace(/[\r\n\0]/g, ''));

describe('parseCookieHeader', () => {
  it('reads what Next reads, for any header (10,000 cases)', () => {
    fc.assert(
      fc.property(cookieHeader, (header) => {
        // Node's parser and the Headers class both trim surrounding whitespace: ours gets what Node hands server.ts.
        const asReceived = new Headers({ cookie: header }).get('cookie') ?? '';
        expect({ ...parseCookieHeader(asReceived) }).toEqual(nextCookies(header));
      }),
      { numRuns: 10_000 },
    );
  });

  it('examples: the session cookie among others, a repeated name, a bad escape, a bare name, no header', () => {
    expect({ ...parseCookieHeader('theme=dark; next-auth.session-token=abc%3Ddef;x=%zz; a=1; a=2; flag') }).toEqual({
      theme: 'dark',
      'next-auth.session-token': 'abc=def',
      a: '2',
      flag: 'true',
    });
    expect({ ...parseCookieHeader(undefined) }).toEqual({});
    expect(Object.getPrototypeOf(parseCookieHeader('__proto__=x'))).toBeNull();
  });
});
