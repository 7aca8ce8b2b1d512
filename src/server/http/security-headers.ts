/**
 * Security headers on every answer server.ts hands to Next (pages, /api/*, static files,
 * errors, and the 413s of the body cap); Socket.IO's own answers never carry HTML.
 *
 * - `Content-Security-Policy`: `frame-ancestors 'none'` (no framing: clickjacking), no plugins,
 *   no foreign form targets or `<base>`; connections only to this origin, websockets included.
 *   Scripts: in production a fresh nonce per request, `script-src 'self' 'nonce-…'`. Next
 *   renders inline scripts (its bootstrap and the RSC payload) and puts the nonce on each of
 *   them itself when the *request* carries a CSP with a nonce, so the policy is also written
 *   onto the request before Next sees it (no middleware/proxy needed: every page here is
 *   rendered per request anyway). `'unsafe-inline'` for scripts would give up most of what a
 *   CSP buys against XSS. Development keeps `'unsafe-inline' 'unsafe-eval'` for React's dev
 *   tooling and HMR. Styles allow inline (React style attributes; Next's error pages).
 * - `X-Frame-Options: DENY` for browsers without frame-ancestors; `X-Content-Type-Options:
 *   nosniff`; `Referrer-Policy: same-origin` (paths and query strings never leave the site).
 * @see https://nextjs.org/docs/app/guides/content-security-policy
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SecurityHeaderOptions {
  /** The app's origin (NEXTAUTH_URL's): sockets connect back to it over ws: / wss:. */
  appOrigin: string;
  dev: boolean;
}

/** The CSP for one answer; `nonce` is required in production. */
export function contentSecurityPolicy({ appOrigin, dev }: SecurityHeaderOptions, nonce?: string): string {
  const origin = new URL(appOrigin);
  const socketOrigin = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`;
  const scripts = dev ? "'self' 'unsafe-inline' 'unsafe-eval'" : `'self' 'nonce-${nonce}'`;
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${socketOrigin}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sets the headers on `res`, and the CSP on `req` as well, where Next reads its nonce. */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, options: SecurityHeaderOptions): void {
  const csp = contentSecurityPolicy(options, options.dev ? undefined : randomBytes(16).toString('base64'));
  // Whatever the client sent under these names must not choose the nonce.
  delete req.headers['content-security-policy-report-only'];
  req.headers['content-security-policy'] = csp;
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
}
