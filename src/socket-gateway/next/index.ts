/**
 * socket-gateway/next: what a Next.js app on the gateway's custom server adds around it (server,
 * Node; imports nothing from next or any auth library).
 * - `createSecurityHeaders` / `applySecurityHeaders`: CSP with a per-request nonce (Next picks it
 *   up), frame/sniff/referrer headers; the app adds sources per directive (`sources`).
 * - `revokeOnSignOut(userId)`: call from the auth library's sign-out event.
 */
export {
  applySecurityHeaders,
  assertCspSources,
  contentSecurityPolicy,
  createSecurityHeaders,
  type CspDirective,
  type SecurityHeaderOptions,
} from './security-headers';
export { revokeOnSignOut } from './revoke-on-sign-out';
