import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { getEnv } from '@/env';
import { getServerAuthSession } from '@/server/auth';
import { Providers } from './providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Relay', template: '%s · Relay' },
  description: 'Live notifications, rooms and announcements over the Socket Gateway',
};

export const viewport: Viewport = { themeColor: '#4f46e5' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Handing the session to the client up front: no "loading" flash, and the socket starts at once.
  const session = await getServerAuthSession();
  return (
    <html lang="en">
      <body>
        <Providers session={session} maxBatchSize={getEnv().trpc.maxBatchSize} transport={getEnv().sse.transport}>
          {children}
        </Providers>
      </body>
    </html>
  );
}
