/**
 * Who is asking: the client address every per-address limit counts by (connections,
 * unauthenticated socket sessions, sign-in attempts).
 *
 * By default it is the TCP peer's address: X-Forwarded-For is ignored, since anyone can send
 * one. Behind N trusted reverse proxies (TRUST_PROXY=N) it is the Nth entry from the right of
 * X-Forwarded-For, the one the outermost trusted proxy appended.
 *
 * server.ts stamps it on every request as CLIENT_ADDRESS_HEADER (overwriting whatever the
 * client sent under that name), so code that Next runs (next-auth's `authorize`) can read it.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

export const CLIENT_ADDRESS_HEADER = 'x-socket-gateway-client-address';

/** The client's address: the TCP peer, or (trustProxy > 0) the address the trusted proxies saw. */
export function clientAddress(req: IncomingMessage, trustProxy: number): string {
  const peer = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trustProxy <= 0) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const entry = entries[entries.length - trustProxy] ?? entries[0];
  return entry ? normalize(entry) : peer;
}

/**
 * The key a per-address limit counts under: an IPv4 address itself, an IPv6 address's /64
 * (one host is usually given a whole /64, so counting single IPv6 addresses would let it
 * rotate through millions).
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail counts as two). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%', 1)[0]!.split('::');
  const groups = (part: string) =>
    part
      .split(':')
      .filter(Boolean)
      .flatMap((group) => {
        if (!group.includes('.')) return [group];
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
      });
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
