'use client';

import { signIn } from 'next-auth/react';
import { useRef, useState, type FormEvent } from 'react';

interface Account {
  id: string;
  role: 'user' | 'admin';
}

/** What the form says for next-auth's `error`: its own code, or the message the server refused with (throttling). */
function signInError(error: string | null | undefined): string {
  if (error === 'CredentialsSignin') return 'Wrong username or password.';
  if (error && error.startsWith('Too many sign-in attempts')) return `${error}.`;
  return 'Could not sign in. Try again.';
}

export function SignInForm({ accounts, demoPassword, callbackUrl }: { accounts: Account[]; demoPassword: string | null; callbackUrl: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const submitRef = useRef<HTMLButtonElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await signIn('credentials', { username, password, redirect: false, callbackUrl }).catch(() => undefined);
    if (result?.ok && !result.error) {
      // A full load: the server renders the next page with the new session cookie.
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError(signInError(result?.error));
  }

  function pick(account: Account) {
    setUsername(account.id);
    setError(null);
    if (demoPassword) {
      setPassword(demoPassword);
      submitRef.current?.focus();
    } else {
      passwordRef.current?.focus();
    }
  }

  return (
    <div className="card auth-card">
      <div className="brand brand--large">
        <span className="brand__mark" aria-hidden="true" />
        Relay
      </div>
      <h1 className="auth-card__title">Sign in</h1>
      <p className="muted">Live notifications, rooms and announcements.</p>

      <form className="form" onSubmit={onSubmit} aria-describedby={error ? 'signin-error' : undefined}>
        <div className="field">
          <label htmlFor="username">Username</label>
          <input id="username" name="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            ref={passwordRef}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        {error && (
          <p id="signin-error" className="form-error" role="alert">
            {error}
          </p>
        )}
        <button ref={submitRef} className="button button--primary button--block" type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>

      {accounts.length > 0 && (
        <section className="demo-accounts" aria-labelledby="demo-accounts-title">
          <h2 id="demo-accounts-title" className="section-label">
            Demo accounts
            {demoPassword && (
              <span className="muted">
                {' '}
                · password <code>{demoPassword}</code>
              </span>
            )}
          </h2>
          <ul className="account-list">
            {accounts.map((account) => (
              <li key={account.id}>
                <button type="button" className="account" onClick={() => pick(account)} aria-label={`Use the ${account.id} account`}>
                  <span className="avatar" aria-hidden="true">
                    {account.id.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="account__name">{account.id}</span>
                  <span className={`role role--${account.role}`}>{account.role}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
