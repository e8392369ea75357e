import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type Actor, ApiError, api, post, setCsrf, whenSignedOut } from './api';
import { BASE, follow, navigate, usePath } from './router';
import { AuditView } from './views/audit';
import { ConversationView } from './views/conversation';
import { ConversationsView } from './views/conversations';
import { DeadLettersView } from './views/dead-letters';
import { DeliveriesView } from './views/deliveries';
import { HandoffsView } from './views/handoffs';
import { HealthView } from './views/health';
import { LoginView } from './views/login';
import { Icon } from './icons';
import './styles.css';

/** The console page: sign-in, then a sidebar of views; each view is one file in views/. */

const NAV: { path: string; label: string; icon: string; admin?: boolean }[] = [
  { path: '/conversations', label: 'Conversations', icon: 'chat' },
  { path: '/handoffs', label: 'Hand-off inbox', icon: 'hand' },
  { path: '/dead-letters', label: 'Dead letters', icon: 'alert' },
  { path: '/deliveries', label: 'Deliveries', icon: 'inbox', admin: true },
  { path: '/health', label: 'Health', icon: 'pulse' },
  { path: '/audit', label: 'Audit log', icon: 'list', admin: true },
];

function Shell({ actor, onSignOut }: { actor: Actor; onSignOut: () => void }) {
  const path = usePath();
  const conversation = /^\/conversations\/(\d+)$/.exec(path);
  const current = NAV.find((n) => path.startsWith(n.path))?.path ?? '/conversations';
  useEffect(() => {
    if (path === '/' || path === '/login') navigate('/conversations');
  }, [path]);
  // On a narrow window the views are a row that scrolls sideways: keep the current one in sight.
  useEffect(() => {
    document.querySelector('.sidebar [aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);
  const view = conversation
    ? html`<${ConversationView} id=${Number(conversation[1])} actor=${actor} />`
    : current === '/handoffs'
      ? html`<${HandoffsView} actor=${actor} />`
      : current === '/dead-letters'
        ? html`<${DeadLettersView} />`
        : current === '/deliveries'
          ? actor.role === 'admin'
            ? html`<${DeliveriesView} />`
            : html`<p class="empty">Deliveries are for admins.</p>`
          : current === '/health'
            ? html`<${HealthView} />`
            : current === '/audit'
              ? actor.role === 'admin'
                ? html`<${AuditView} />`
                : html`<p class="empty">The audit log is for admins.</p>`
              : html`<${ConversationsView} />`;
  return html`
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <nav class="sidebar" aria-label="Console">
        <div class="brand"><span class="logo" aria-hidden="true">⇄</span> Switchboard</div>
        <ul>
          ${NAV.filter((n) => !n.admin || actor.role === 'admin').map(
            (n) => html`<li>
              <a href=${BASE + n.path} onClick=${follow} aria-current=${current === n.path ? 'page' : undefined}>
                <${Icon} name=${n.icon} size=${18} />${n.label}
              </a>
            </li>`,
          )}
        </ul>
        <div class="me">
          <div class="avatar small" aria-hidden="true">${actor.name.slice(0, 1).toUpperCase()}</div>
          <div>
            <div class="me-name">${actor.name}</div>
            <div class="me-role">${actor.role}</div>
          </div>
          <button class="ghost" onClick=${onSignOut}>Sign out</button>
        </div>
      </nav>
      <main id="main" class="main" tabindex="-1">${view}</main>
    </div>
  `;
}

/** While the session cannot be checked (the server is down or restarting): say so, and check again every few seconds. */
function Unreachable({ message, onRetry }: { message: string; onRetry: () => void }) {
  useEffect(() => {
    const timer = setInterval(onRetry, 3000);
    return () => clearInterval(timer);
  }, [onRetry]);
  return html`
    <main class="login">
      <div class="card login-card" role="alert">
        <div class="brand big"><span class="logo" aria-hidden="true">⇄</span> Switchboard</div>
        <h1>The console cannot reach the server</h1>
        <p>${message} This page tries again by itself.</p>
        <button class="primary" onClick=${onRetry}>Try again now</button>
      </div>
    </main>
  `;
}

function App() {
  const [actor, setActor] = useState<Actor | null | undefined>(undefined);
  const [unreachable, setUnreachable] = useState<string | null>(null);
  // Only the server saying "not signed in" (401) shows the sign-in form; a server that cannot be
  // reached or fails is not a reason to ask a signed-in operator for their password again.
  const check = () =>
    api<{ actor: Actor; csrfToken: string | null }>('/api/console/session')
      .then((s) => {
        setUnreachable(null);
        setCsrf(s.csrfToken);
        setActor(s.actor);
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 401) {
          setUnreachable(null);
          setActor(null);
        } else setUnreachable(err instanceof Error ? err.message : String(err));
      });
  useEffect(() => {
    whenSignedOut(() => setActor(null));
    check();
  }, []);
  if (actor === undefined && unreachable) return html`<${Unreachable} message=${unreachable} onRetry=${check} />`;
  if (actor === undefined) return html`<div class="loading" role="status">Loading…</div>`;
  if (actor === null)
    return html`<${LoginView}
      onSignedIn=${(a: Actor, csrf: string) => {
        setCsrf(csrf);
        setActor(a);
      }}
    />`;
  const signOut = async () => {
    await post('/api/console/logout').catch(() => undefined);
    setCsrf(null);
    setActor(null);
  };
  return html`<${Shell} actor=${actor} onSignOut=${signOut} />`;
}

render(html`<${App} />`, document.getElementById('app')!);
