// Every suite signs socket tokens with a fixed test secret (never used outside tests).
process.env.NEXTAUTH_SECRET ??= 'test-only-nextauth-secret-0123456789abcdef';
process.env.NEXT_TELEMETRY_DISABLED = '1';
