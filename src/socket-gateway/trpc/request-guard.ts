/**
 * Cross-site request guard for a tRPC endpoint that runs on a session cookie: a browser sends the
 * cookie along from any site, so a POST must come from one of the app's own origins (a browser
 * always names its origin in `Origin`; clients that are not browsers send none) and be JSON: a
 * cross-site form can only send urlencoded, multipart or text/plain bodies without a CORS
 * preflight, and tRPC would otherwise parse multipart and octet-stream bodies itself. Checked
 * before tRPC reads anything, so a refused call runs no procedure. GETs (queries) change nothing
 * and are not checked.
 *
 * Each check is written once over the few request facts it needs (`…Of`), and answered either as
 * a fetch `Response` (the route handler) or written to a Node response (the Node handler).
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
  PAYLOAD_TOO_LARGE: { status: 413, jsonRpc: -32413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, jsonRpc: -32015 },
} as const;

export const CROSS_SITE_REFUSED = 'Cross-site request refused';
export const JSON_REQUIRED = 'Send JSON (Content-Type: application/json)';
/** tRPC's own words for the same refusal (its `maxBatchSize`, from 11.x on), so clients see one message. */
export const BATCH_TOO_LARGE = 'Batch call exceeds maximum size';

/** A refused request: the status and the body (tRPC's error shape) to answer with, `Cache-Control: no-store`. */
export interface Refusal {
  status: number;
  body: { error: { message: string; code: number; data: { code: keyof typeof REFUSALS; httpStatus: number; path?: string } } };
}

/** The refusal of `code` with `message`, in tRPC's error shape. */
export function refusal(code: keyof typeof REFUSALS, message: string, path: string | undefined): Refusal {
  const { status, jsonRpc } = REFUSALS[code];
  const data = { code, httpStatus: status, ...(path === undefined ? {} : { path }) };
  return { status, body: { error: { message, code: jsonRpc, data } } };
}

/** A refusal as a fetch answer. */
export function refusalResponse({ status, body }: Refusal): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/** The facts the cross-site check reads: the method, and the `Origin` and `Content-Type` headers (null when absent). */
export interface CrossSiteFacts {
  method: string | undefined;
  origin: string | null | undefined;
  contentType: string | null | undefined;
}

/** Null when the request may go on to tRPC; otherwise 403 (foreign origin) or 415 (not JSON). */
export function crossSiteRefusalOf({ method, origin, contentType }: CrossSiteFacts, { allowedOrigins, path }: RequestGuardOptions): Refusal | null {
  if (method !== 'POST') return null;
  if (origin != null && !allowedOrigins.includes(origin)) return refusal('FORBIDDEN', CROSS_SITE_REFUSED, path);
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') return refusal('UNSUPPORTED_MEDIA_TYPE', JSON_REQUIRED, path);
  return null;
}

/** Null when `req` may go on to tRPC; otherwise the answer to send (403 foreign origin, 415 not JSON), in tRPC's error shape. */
export function crossSiteRefusal(req: Request, options: RequestGuardOptions): Response | null {
  const refused = crossSiteRefusalOf({ method: req.method, origin: req.headers.get('origin'), contentType: req.headers.get('content-type') }, options);
  return refused && refusalResponse(refused);
}

/**
 * Null when the request is not a batch (`batch` is the `?batch=` query value) or holds at most
 * `maxBatchSize` calls (procedure paths joined by commas); otherwise 400, before anything is read
 * or run. Checked here rather than left to tRPC's `maxBatchSize`, which only recent 11.x releases
 * have: on an older one the cap would be silently absent.
 */
export function batchRefusalOf(batch: string | null, { maxBatchSize, path }: { maxBatchSize: number; path: string }): Refusal | null {
  if (batch !== '1') return null;
  return path.split(',').length > maxBatchSize ? refusal('BAD_REQUEST', BATCH_TOO_LARGE, undefined) : null;
}

/** `batchRefusalOf` for a fetch request: null, or the 400 to send. */
export function batchRefusal(req: Request, options: { maxBatchSize: number; path: string }): Response | null {
  const refused = batchRefusalOf(new URL(req.url).searchParams.get('batch'), options);
  return refused && refusalResponse(refused);
}
