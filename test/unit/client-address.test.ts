import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress } from '@/server/http/client-address';

const req = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the TCP peer unless TRUST_PROXY says otherwise: X-Forwarded-For is ignored', () => {
    expect(clientAddress(req('203.0.113.7', '1.2.3.4'), 0)).toBe('203.0.113.7');
    expect(clientAddress(req('::ffff:127.0.0.1'), 0)).toBe('127.0.0.1');
  });

  it('behind N trusted proxies, takes the Nth entry from the right', () => {
    expect(clientAddress(req('10.0.0.1', 'forged, 198.51.100.9'), 1)).toBe('198.51.100.9');
    expect(clientAddress(req('10.0.0.1', 'forged, 198.51.100.9, 10.0.0.2'), 2)).toBe('198.51.100.9');
    expect(clientAddress(req('10.0.0.1'), 1)).toBe('10.0.0.1'); // no header: the peer
  });
});

describe('addressKey', () => {
  it('counts IPv4 addresses one by one and IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
