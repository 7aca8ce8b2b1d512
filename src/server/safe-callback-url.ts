/**
 * Where to go after signing in: a place on this site only, default `/`.
 *
 * The value is resolved with the URL parser against the app's origin, the way a browser will
 * read it, and must land on that origin. Control characters (tab, CR, LF… which URL parsers
 * silently drop, so `/\t/evil.example` reads as `//evil.example`) and backslashes (read as `/`)
 * are refused outright, and so is anything that resolves to a path starting with `//`. The
 * answer is the path (with query and hash) of the resolved URL: it always starts with a single
 * `/`, so it cannot name another host, and it is safe in a `Location` header.
 */
const UNSAFE = /[\p{Cc}\\]/u; // C0 and C1 control characters, backslash
const MAX_LENGTH = 2048;

export function safeCallbackUrl(value: unknown, appOrigin: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH || UNSAFE.test(value)) return '/';
  let url: URL;
  let origin: string;
  try {
    origin = new URL(appOrigin).origin;
    url = new URL(value, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
