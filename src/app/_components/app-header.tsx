'use client';

import Link from 'next/link';
import { signOut } from 'next-auth/react';
import { ConnectionBadge } from './connection-badge';

export function AppHeader({ user }: { user: { id: string; role: string } }) {
  return (
    <header className="topbar">
      <div className="topbar__inner">
        <Link href="/" className="brand">
          <span className="brand__mark" aria-hidden="true" />
          Relay
        </Link>
        <ConnectionBadge />
        {user.role === 'admin' && (
          <nav aria-label="Admin">
            <Link href="/admin/metrics" className="topbar__link">
              Metrics
            </Link>
          </nav>
        )}
        <div className="topbar__user">
          <span className="avatar avatar--small" aria-hidden="true">
            {user.id.slice(0, 1).toUpperCase()}
          </span>
          <span className="topbar__name" data-testid="current-user" title={user.id}>
            {user.id}
          </span>
          {user.role === 'admin' && <span className="role role--admin">admin</span>}
          <button type="button" className="button button--ghost" onClick={() => void signOut({ callbackUrl: '/signin' })}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
