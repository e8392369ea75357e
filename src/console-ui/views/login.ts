import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Actor, ApiError, post } from '../api';

/** Sign-in: name and password; says plainly when the account or address is rate-limited. */
export function LoginView({ onSignedIn }: { onSignedIn: (a: Actor, csrf: string) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ actor: Actor; csrfToken: string }>('/api/console/login', { name, password });
      onSignedIn(r.actor, r.csrfToken);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(
        status === 429
          ? 'Too many failed sign-ins. Wait a few minutes and try again.'
          : status === 401 || status === 400
            ? 'Wrong name or password.'
            : (err as Error).message, // the server cannot be reached, or failed: not the operator's mistake
      );
      setPassword('');
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login">
      <form class="card login-card" onSubmit=${submit} aria-labelledby="login-title">
        <div class="brand big"><span class="logo" aria-hidden="true">⇄</span> Switchboard</div>
        <h1 id="login-title">Sign in to the operator console</h1>
        <label for="login-name">Name</label>
        <input id="login-name" name="name" autocomplete="username" required value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value=${password}
          onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)}
        />
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button class="primary" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="hint">Accounts are made with <code>npm run cli -- operators add</code>.</p>
      </form>
    </main>
  `;
}
