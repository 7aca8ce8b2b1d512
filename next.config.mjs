/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // socket.io and its engine use optional native add-ons (bufferutil, utf-8-validate);
  // keep them out of Next's server bundles so they load exactly as server.ts loads them.
  // @see https://nextjs.org/docs/app/api-reference/config/next-config-js/serverExternalPackages
  serverExternalPackages: ['socket.io', 'engine.io', 'ws', 'prom-client', 'pino'],
  poweredByHeader: false,
  // Lets parallel test runs keep separate builds (NEXT_DIST_DIR=.next-e2e); default .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
};

export default nextConfig;
