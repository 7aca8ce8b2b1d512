'use client';

import { useRouter } from 'next/navigation';
import { useSession } from 'next-auth/react';
import { AnnouncementBanner } from './announcement-banner';
import { AppHeader } from './app-header';
import { BroadcastForm } from './broadcast-form';
import { ConnectionNotice } from './connection-notice';
import { Inbox } from './inbox';
import { RoomsPanel } from './rooms-panel';
import { SendNotificationForm } from './send-notification-form';
import { useRetryFailedQueriesOnReconnect } from './use-retry-on-reconnect';

interface DashboardUser {
  id: string;
  role: string;
}

/** The signed-in home page: every feature of the gateway's public contract on one screen. */
export function Dashboard({ user, people }: { user: DashboardUser; people: string[] }) {
  const router = useRouter();
  // Signed out in another tab (or the session expired): go to the sign-in page.
  useSession({ required: true, onUnauthenticated: () => router.replace('/signin') });
  useRetryFailedQueriesOnReconnect();

  return (
    <div className="app">
      <AppHeader user={user} />
      <ConnectionNotice />
      <AnnouncementBanner />
      <main className="layout">
        <div className="column">
          <Inbox />
          <SendNotificationForm people={people} self={user.id} />
          {user.role === 'admin' && <BroadcastForm />}
        </div>
        <div className="column">
          <RoomsPanel self={user.id} />
        </div>
      </main>
    </div>
  );
}
