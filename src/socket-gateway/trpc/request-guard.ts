/**
 * Cross-site request guard for a tRPC endpoint that runs on a session cookie: a browser sends the
 * cookie along from any site, so a POST must come from one of the app's own origins (a browser
 * always names its origin in `Origin`; clients that are not browsers send none) and be JSON: a
 * cross-site form can only send urlencoded, multipart or text/plain bodies without a CORS
 * preflight, and tRPC would otherwise parse multipart and octet-stream bodies itself. Checked
 * before tRPC reads anything, so a refused call runs no procedure. GETs (queries) change nothing
 * and are not checked.
 * @see https://owasp.org/www-community/attacks/csrf
 */

export interface RequestGuardOptions {
  /** Every origin the app is served from (`https://app.example`, scheme + host + port). A POST with another `Origin` (or `null`) is refused. */
  allowedOrigins: readonly string[];
  /** The procedure path named in the refusal (default: none). */
  path?: string;
}

/** JSON-RPC error codes tRPC uses for these HTTP statuses. */
const REFUSALS = {
  BAD_REQUEST: { status: 400, jsonRpc: -32600 },
  FORBIDDEN: { status: 403, jsonRpc: -32003 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, jsonRpc: -32015 },
} as const;

export const CROSS_SITE_REFUSED = 'Cross-site request refused';
export const JSON_REQUIRED = 'Send JSON (Content-Type: application/json)';
/** tRPC's own words for the same refusal (its `maxBatchSize`, from 11.x on), so clients see one message. */
export const BATCH_TOO_LARGE = 'Batch call exceeds maximum size';

function refuse(code: keyof typeof REFUSALS, message: string, path: string | undefined): Response {
  const { status, jsonRpc } = REFUSALS[code];
  const data = { code, httpStatus: status, ...(path === undefined ? {} : { path }) };
  return Response.json({ error: { message, code: jsonRpc, data } }, { status, headers: { 'cache-control': 'no-store' } });
}

/** Null when `req` may go on to tRPC; otherwise the answer to send (403 foreign origin, 415 not JSON), in tRPC's error shape. */
export function crossSiteRefusal(req: Request, { allowedOrigins, path }: RequestGuardOptions): Response | null {
  if (req.method !== 'POST') return null;
  const origin = req.headers.get('origin');
  if (origin !== null && !allowedOrigins.includes(origin)) return refuse('FORBIDDEN', CROSS_SITE_REFUSED, path);
  const type = req.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') return refuse('UNSUPPORTED_MEDIA_TYPE', JSON_REQUIRED, path);
  return null;
}

/**
 * Null when `req` is not a batch or holds at most `maxBatchSize` calls (`?batch=1`, procedure paths
 * joined by commas); otherwise 400, before anything is read or run. Checked here rather than left
 * to tRPC's `maxBatchSize`, which only recent 11.x releases have: on an older one the cap would
 * be silently absent.
 */
export function batchRefusal(req: Request, { maxBatchSize, path }: { maxBatchSize: number; path: string }): Response | null {
  if (new URL(req.url).searchParams.get('batch') !== '1') return null;
  return path.split(',').length > maxBatchSize ? refuse('BAD_REQUEST', BATCH_TOO_LARGE, undefined) : null;
}
