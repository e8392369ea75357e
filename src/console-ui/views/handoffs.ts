import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type Actor, api, onConversationsChanged, post } from '../api';
import { LiveNote } from '../live';
import { duration, pending } from '../format';
import { BASE, follow, navigate } from '../router';

/**
 * Conversations waiting for a person (status `handoff`, by the console or by the handoff bot's
 * Telegram operators), longest waiting first; claiming one tells every other operator who answers.
 */
interface Row {
  id: number;
  provider: string;
  externalId: string;
  title: string | null;
  lastText: string | null;
  claimedBy: string | null;
  waitingSince: string | null;
}

export function HandoffsView({ actor }: { actor: Actor }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, tick] = useState(0);
  const load = () =>
    api<{ conversations: Row[] }>('/api/console/handoffs')
      .then((r) => setRows(r.conversations))
      .catch((e) => setError(e.message));
  useEffect(() => {
    void load();
    const off = onConversationsChanged(() => void load());
    const timer = setInterval(() => tick((n) => n + 1), 15_000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, []);
  const claim = async (r: Row) => {
    try {
      await post(`/api/console/conversations/${r.id}/claim`, { force: false });
      navigate(`/conversations/${r.id}`);
    } catch (e) {
      setError((e as Error).message);
      void load();
    }
  };
  return html`
    <header class="page-head">
      <h1>Hand-off inbox</h1>
      <p class="sub">Customers waiting for a person, longest wait first. Claim one to answer it.<${LiveNote} /></p>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      rows === null
        ? pending(error)
        : rows.length === 0
          ? html`<p class="empty">Nobody is waiting for a person.</p>`
          : html`<table class="table">
            <caption class="visually-hidden">Conversations waiting for a person</caption>
            <thead><tr><th scope="col">Waiting</th><th scope="col">Conversation</th><th scope="col">Last message</th><th scope="col">Answered by</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr>
                  <td class=${r.waitingSince ? 'wait' : 'muted'}>${r.waitingSince ? duration(r.waitingSince) : 'answered'}</td>
                  <td><a href=${`${BASE}/conversations/${r.id}`} onClick=${follow}>${r.title ?? r.externalId}</a> <span class="chip">${r.provider}</span></td>
                  <td class="clip">${r.lastText ?? '—'}</td>
                  <td>${r.claimedBy ?? html`<span class="muted">nobody</span>`}</td>
                  <td>
                    ${
                      r.claimedBy === actor.name
                        ? html`<a class="button" href=${`${BASE}/conversations/${r.id}`} onClick=${follow}>Open</a>`
                        : r.claimedBy
                          ? html`<a class="button" href=${`${BASE}/conversations/${r.id}`} onClick=${follow}>View</a>`
                          : html`<button class="primary" onClick=${() => claim(r)}>Claim</button>`
                    }
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
