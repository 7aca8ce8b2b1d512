/**
 * Where to go after signing in: a path on this site only (never another origin), default `/`.
 * Absolute URLs on the app's own origin (next-auth sends those) are reduced to their path.
 */
export function safeCallbackUrl(value: unknown, appOrigin?: string): string {
  if (typeof value !== 'string' || value.length === 0) return '/';
  if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
  try {
    const url = new URL(value);
    if (appOrigin && url.origin === new URL(appOrigin).origin) return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    // not a URL
  }
  return '/';
}
