/**
 * The CSP of socket-gateway/next: without `sources` it is exactly the policy the demo always sent
 * (test/e2e/attack-headers.test.ts checks it on the running app); `sources` only ADDS to the
 * directive named, and a directive not in the base policy appears only when the app gives one.
 */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from 'socket-gateway/next';

describe('contentSecurityPolicy', () => {
  it('is the fixed policy when the app adds nothing', () => {
    expect(contentSecurityPolicy({ appOrigin: 'https://app.example', dev: false }, 'N0nce')).toBe(
      "default-src 'self'; script-src 'self' 'nonce-N0nce'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self' wss://app.example; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(contentSecurityPolicy({ appOrigin: 'http://localhost:3000', dev: true })).toContain(
      "script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'",
    );
  });

  it('adds the sources an OAuth sign-in needs, and nothing else changes', () => {
    const csp = contentSecurityPolicy(
      {
        appOrigin: 'https://app.example',
        dev: false,
        sources: { 'form-action': ['https://discord.com'], 'img-src': ['https://authjs.dev'], 'frame-src': ['https://js.stripe.com'] },
      },
      'N',
    );
    expect(csp).toContain("form-action 'self' https://discord.com;");
    expect(csp).toContain("img-src 'self' data: blob: https://authjs.dev;");
    expect(csp).toContain("frame-src 'self' https://js.stripe.com;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('media-src');
  });
});
