import { describe, expect, it } from 'vitest';
import { safeCallbackUrl } from '@/app/safe-callback-url';

describe('safeCallbackUrl (where the sign-in page sends you next)', () => {
  it('keeps paths on this site', () => {
    expect(safeCallbackUrl('/')).toBe('/');
    expect(safeCallbackUrl('/rooms?x=1#top')).toBe('/rooms?x=1#top');
  });

  it('reduces absolute URLs on the app origin to their path', () => {
    expect(safeCallbackUrl('http://localhost:3000/inbox?a=b', 'http://localhost:3000')).toBe('/inbox?a=b');
  });

  it('never leaves the site', () => {
    for (const value of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '', undefined, 42]) {
      expect(safeCallbackUrl(value, 'http://localhost:3000')).toBe('/');
    }
  });
});
