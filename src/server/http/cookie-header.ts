/**
 * A request's `Cookie` header as name → value, read the way Next's `cookies()` reads it (its
 * @edge-runtime/cookies parser), for code that answers before Next does (server.ts's /api/trpc):
 * pairs split on `;` and optional spaces, the value percent-decoded (a pair whose value does not
 * decode is skipped), a name without `=` is `"true"`, and a later pair of the same name wins.
 * @see https://github.com/vercel/edge-runtime/blob/main/packages/cookies/src/serialize.ts
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return cookies;
  for (const pair of header.split(/; */)) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    if (at === -1) {
      cookies[pair] = 'true';
      continue;
    }
    try {
      cookies[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
    } catch {
      // not percent-encoded properly: skipped, as Next skips it
    }
  }
  return cookies;
}
