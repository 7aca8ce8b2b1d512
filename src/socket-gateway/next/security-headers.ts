/**
 * Security headers for a Next.js app on a custom server (every answer handed to Next: pages,
 * /api/*, static files, errors); Socket.IO's own answers never carry HTML.
 *
 * - `Content-Security-Policy`: `frame-ancestors 'none'` (no framing: clickjacking), no plugins,
 *   no foreign form targets or `<base>`; connections only to this origin, websockets included.
 *   Scripts: in production a fresh nonce per request, `script-src 'self' 'nonce-…'`. Next
 *   renders inline scripts (its bootstrap and the RSC payload) and puts the nonce on each of
 *   them itself when the *request* carries a CSP with a nonce, so the policy is also written
 *   onto the request before Next sees it (no middleware/proxy needed when every page is rendered
 *   per request). `'unsafe-inline'` for scripts would give up most of what a CSP buys against
 *   XSS. Development keeps `'unsafe-inline' 'unsafe-eval'` for React's dev tooling and HMR.
 *   Styles allow inline (React style attributes; Next's error pages).
 * - `X-Frame-Options: DENY` for browsers without frame-ancestors; `X-Content-Type-Options:
 *   nosniff`; `Referrer-Policy: same-origin` (paths and query strings never leave the site).
 *
 * The app ADDS sources per directive (`sources`), never loosens the rest: an OAuth provider's
 * sign-in form posts to the app, which redirects to the provider (`'form-action': ['https://discord.com']`),
 * and its button shows the provider's logo (`'img-src': ['https://authjs.dev']`).
 * @see https://nextjs.org/docs/app/guides/content-security-policy
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The directives an app may add sources to. */
export type CspDirective =
  'default-src' | 'script-src' | 'style-src' | 'img-src' | 'font-src' | 'connect-src' | 'media-src' | 'frame-src' | 'worker-src' | 'form-action';

export interface SecurityHeaderOptions {
  /** The app's origin: sockets connect back to it over ws: / wss:. */
  appOrigin: string;
  /** Development: scripts may be inline and eval'd (React dev tooling, HMR); no nonce. */
  dev: boolean;
  /** Sources the app adds to a directive, e.g. `{ 'form-action': ['https://discord.com'], 'img-src': ['https://authjs.dev'] }`. */
  sources?: Partial<Record<CspDirective, readonly string[]>>;
}

/** A source is one token: a scheme/host source or a quoted keyword; never `;` or `,`, which would start another directive or policy. */
const SOURCE = /^[^\s;,'"]+$|^'[\w+/=-]+'$/;

/** Throws on a source that is not one CSP token (checked once, at start-up, by `createSecurityHeaders`). */
export function assertCspSources(sources: SecurityHeaderOptions['sources']): void {
  for (const [directive, list] of Object.entries(sources ?? {})) {
    for (const source of list ?? []) {
      if (!SOURCE.test(source)) throw new Error(`CSP ${directive}: ${JSON.stringify(source)} is not one source (a host, scheme or quoted keyword)`);
    }
  }
}

/** The CSP for one answer; `nonce` is required in production. */
export function contentSecurityPolicy({ appOrigin, dev, sources = {} }: SecurityHeaderOptions, nonce?: string): string {
  const origin = new URL(appOrigin);
  const socketOrigin = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`;
  const scripts = dev ? "'self' 'unsafe-inline' 'unsafe-eval'" : `'self' 'nonce-${nonce}'`;
  const directive = (name: CspDirective | 'object-src' | 'base-uri' | 'frame-ancestors', base: string) => {
    const extra = sources[name as CspDirective] ?? [];
    return [name, base, ...extra].join(' ');
  };
  return [
    directive('default-src', "'self'"),
    directive('script-src', scripts),
    directive('style-src', "'self' 'unsafe-inline'"),
    directive('img-src', "'self' data: blob:"),
    directive('font-src', "'self' data:"),
    directive('connect-src', `'self' ${socketOrigin}`),
    ...(['media-src', 'frame-src', 'worker-src'] as const).filter((name) => sources[name]?.length).map((name) => directive(name, "'self'")),
    "object-src 'none'",
    "base-uri 'self'",
    directive('form-action', "'self'"),
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

/** `applySecurityHeaders` with the options checked once: `const secure = createSecurityHeaders({...}); httpServer.on('request', (req, res) => { secure(req, res); … })`. */
export function createSecurityHeaders(options: SecurityHeaderOptions): (req: IncomingMessage, res: ServerResponse) => void {
  new URL(options.appOrigin); // throws on a malformed origin now, not per request
  assertCspSources(options.sources);
  return (req, res) => applySecurityHeaders(req, res, options);
}
